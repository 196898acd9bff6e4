// Writes the body as Jackson's ObjectMapper does after readTree.
// usage: java -cp /usr/share/java/jackson-databind.jar:/usr/share/java/jackson-core.jar:/usr/share/java/jackson-annotations.jar GenJackson.java IN OUT [pretty]
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;

public class GenJackson {
    public static void main(String[] args) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode value = mapper.readTree(Files.readAllBytes(Path.of(args[0])));
        boolean pretty = args.length > 2 && args[2].equals("pretty");
        byte[] out = pretty ? mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(value) : mapper.writeValueAsBytes(value);
        Files.write(Path.of(args[1]), out);
    }
}
