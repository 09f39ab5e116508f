// Sends one message with Jakarta Mail the way Spring Boot does with an exported
// application.properties: java SpringSend EXPORT.properties TO FROM SUBJECT
//
// Spring Boot's MailSenderPropertiesConfiguration (spring-boot 3.x, autoconfigure/mail) hands
// spring.mail.host/port/username/password to JavaMailSenderImpl and every
// spring.mail.properties.* entry, prefix removed, to the Jakarta Mail Session; JavaMailSenderImpl
// then calls Transport.connect(host, port, username, password) and sendMessage. This does the
// same with the real Jakarta Mail (Debian's libjakarta-mail-java 2.0.0), without Spring itself.
// A ${SMTP_PASSWORD} placeholder is resolved from the environment, as Spring would.
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

public class SpringSend {
    public static void main(String[] args) throws Exception {
        Properties spring = new Properties();
        try (InputStreamReader in =
                new InputStreamReader(new FileInputStream(args[0]), StandardCharsets.ISO_8859_1)) {
            spring.load(in);
        }
        Properties mail = new Properties();
        String prefix = "spring.mail.properties.";
        for (String key : spring.stringPropertyNames()) {
            if (key.startsWith(prefix)) {
                mail.setProperty(key.substring(prefix.length()), spring.getProperty(key));
            }
        }
        String password = spring.getProperty("spring.mail.password");
        if ("${SMTP_PASSWORD}".equals(password)) {
            password = System.getenv("SMTP_PASSWORD");
        }
        Session session = Session.getInstance(mail);
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress(args[2]));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(args[1]));
        message.setSubject(args[3]);
        message.setText("sent by the export test\n");
        try (Transport transport = session.getTransport("smtp")) {
            transport.connect(
                spring.getProperty("spring.mail.host"),
                Integer.parseInt(spring.getProperty("spring.mail.port")),
                spring.getProperty("spring.mail.username"),
                password);
            transport.sendMessage(message, message.getAllRecipients());
        }
        System.out.println("sent");
    }
}
