"""The Ed-Fi connector: a folder of Ed-Fi Data Standard XML interchange files -> the exchange's records."""
