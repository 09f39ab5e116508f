import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Properties;
import java.util.TreeSet;

/** Loads a .properties file the way java.util.Properties does and prints key TAB base64(value). */
public class ReadProperties {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        try (InputStream in = new FileInputStream(args[0])) {
            props.load(in); // ISO-8859-1 plus backslash-u escapes, as Spring Boot reads it
        }
        Base64.Encoder b64 = Base64.getEncoder();
        for (String key : new TreeSet<>(props.stringPropertyNames())) {
            byte[] value = props.getProperty(key).getBytes(StandardCharsets.UTF_8);
            System.out.println(key + "\t" + b64.encodeToString(value));
        }
    }
}
