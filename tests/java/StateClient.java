// A state's own Java system, as docs/connecting.md describes it: it reads its move notices and
// writes a student record, with nothing of the hub but its client configuration (from
// `msix states credentials ST --client java` or `msix states certificate ST`) and the .avsc files.
//
//   java -cp "$MSIX_CACHE/kafka-libs/*" tests/java/StateClient.java \
//       CONFIG SCHEMAS NOTICES_TOPIC GROUP RECORDS_TOPIC STATE STATE_STUDENT_ID
//
// Values are Avro's single-object encoding (C3 01, the writer schema's CRC-64-AVRO fingerprint,
// the datum): Avro's own BinaryMessageDecoder and BinaryMessageEncoder read and write it.
// tests/integration/test_connecting.py runs this file (Java's source-launch mode, JDK 11+).

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class StateClient {
    public static void main(String[] args) throws Exception {
        Properties config = new Properties();
        try (FileInputStream in = new FileInputStream(args[0])) {
            config.load(in); // the file as `msix states ...` wrote it, nothing added
        }
        Path schemas = Path.of(args[1]);
        readNotices(config, schemas, args[2], args[3]);
        writeStudent(config, schemas, args[4], args[5], args[6]);
    }

    /** Every notice on the topic, decoded whatever schema version the hub wrote it with. */
    static void readNotices(Properties config, Path schemas, String topic, String group) throws IOException {
        Schema reader = parse(schemas.resolve("move_notice.avsc"));
        BinaryMessageDecoder<GenericRecord> decoder = new BinaryMessageDecoder<>(GenericData.get(), reader);
        // schemas/history/MoveNotice holds every version the hub ever wrote, by fingerprint.
        try (DirectoryStream<Path> versions = Files.newDirectoryStream(schemas.resolve("history/MoveNotice"), "*.avsc")) {
            for (Path version : versions) {
                decoder.addSchema(parse(version));
            }
        }
        Properties props = (Properties) config.clone();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group); // a group under the state's own prefix
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"); // commit after handling
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            int quiet = 0;
            while (quiet < 5) { // five quiet seconds once in the group: done (a real system keeps polling)
                var records = consumer.poll(Duration.ofSeconds(1));
                if (consumer.assignment().isEmpty()) {
                    continue; // still joining the group
                }
                quiet = records.isEmpty() ? quiet + 1 : 0;
                for (ConsumerRecord<String, byte[]> record : records) {
                    GenericRecord notice = decoder.decode(record.value());
                    System.out.println("notice " + notice.get("notice_id") + " " + notice.get("first_name")
                            + " " + notice.get("from_state") + "->" + notice.get("to_state")
                            + " born " + LocalDate.ofEpochDay((Integer) notice.get("birth_date")));
                }
                consumer.commitSync();
            }
        }
    }

    /** One new student, in the current StudentIdentity schema, keyed by the state student id. */
    static void writeStudent(Properties config, Path schemas, String topic, String state, String id)
            throws Exception {
        Schema schema = parse(schemas.resolve("student_identity.avsc"));
        GenericRecord student = new GenericData.Record(schema);
        // 32 lower-case hex digits: a UUID without its hyphens (UUID.toString() alone is refused).
        student.put("event_id", UUID.randomUUID().toString().replace("-", ""));
        student.put("action", "I");
        student.put("state", state);
        student.put("state_student_id", id);
        student.put("source_ts", Instant.now().toEpochMilli()); // timestamp-millis
        student.put("submission_id", "java-" + id);
        student.put("first_name", "Lucia");
        student.put("last_name_1", "Java");
        student.put("sex", "F");
        student.put("birth_date", (int) LocalDate.of(2013, 3, 4).toEpochDay()); // date: days since 1970
        byte[] value = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(student).array();
        Properties props = (Properties) config.clone();
        props.put(ProducerConfig.ACKS_CONFIG, "all"); // acknowledged only once every in-sync copy has it
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"); // a retried send is written once
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            RecordMetadata sent = producer.send(new ProducerRecord<>(topic, id, value)).get();
            System.out.println("sent " + id + " to " + sent.topic() + " offset " + sent.offset());
        }
    }

    static Schema parse(Path file) throws IOException {
        return new Schema.Parser().parse(file.toFile());
    }
}
