package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.venom.core.tests.support.InProcessServers;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS from a PKCS12 keystore made as the README says (keytool), with HTTP/2 offered: a client that trusts
 * the certificate creates and reads tasks over HTTP/2 and HTTP/1.1; plain HTTP gets no answer.
 */
class TlsApiTest {

    private static final String PASSWORD = "changeit-in-test";

    @TempDir
    Path dir;

    private InProcessServers servers;
    private Path keystore;
    private String base;

    @BeforeEach
    void start() throws Exception {
        keystore = dir.resolve("venom.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process made = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "venom", "-keyalg", "EC",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", PASSWORD)
                .redirectErrorStream(true).start();
        String output = new String(made.getInputStream().readAllBytes());
        assertThat(made.waitFor()).as(output).isZero();
        Path passwordFile = Files.writeString(dir.resolve("tls-password"), PASSWORD + "\n");
        servers = new InProcessServers(dir);
        String plain = servers.start("--processing-delay-ms", "0", "--tls-keystore", keystore.toString(),
                "--tls-password-file", passwordFile.toString()).base();
        base = plain.replace("http://", "https://");
    }

    @AfterEach
    void stop() {
        servers.close();
    }

    private HttpClient client(HttpClient.Version version) throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            trusted.load(in, PASSWORD.toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(context).version(version).connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @Test
    void aClientThatTrustsTheCertificateUsesTheApiOverHttp2AndHttp11() throws Exception {
        for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_2, HttpClient.Version.HTTP_1_1)) {
            HttpClient client = client(version);
            HttpResponse<String> created = client.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/tasks"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"over tls\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            assertThat(created.version()).isEqualTo(version);
            HttpResponse<String> listed = client.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/tasks"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(listed.body()).contains("over tls");
        }
    }

    @Test
    void plainHttpIsNotServed() {
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create(base.replace("https://", "http://")
                + "/healthz")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
    }
}
