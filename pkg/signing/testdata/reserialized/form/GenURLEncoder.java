// Writes a form as Java's URLEncoder does, pair by pair, after URLDecoder.
// usage: java GenURLEncoder.java IN OUT [ISO-8859-1]
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public class GenURLEncoder {
    public static void main(String[] args) throws Exception {
        Charset out = args.length > 2 ? Charset.forName(args[2]) : StandardCharsets.UTF_8;
        List<String> pairs = new ArrayList<>();
        for (String pair : Files.readString(Path.of(args[0])).split("&")) {
            String[] kv = pair.split("=", 2);
            String k = URLDecoder.decode(kv[0], StandardCharsets.UTF_8);
            String v = URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8);
            pairs.add(URLEncoder.encode(k, out) + "=" + URLEncoder.encode(v, out));
        }
        Files.writeString(Path.of(args[1]), String.join("&", pairs));
    }
}
