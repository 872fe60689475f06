package dev.venom.core.http.internal;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.resource.ClassPathResourceManager;
import io.undertow.server.handlers.resource.ResourceHandler;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Properties;

/**
 * What the server serves from its own jar, never from the network: the OpenAPI document, Swagger UI (from
 * the {@code org.webjars:swagger-ui} jar) and the dashboard's HTML, CSS and JavaScript.
 */
final class StaticPages {

    private static final String BASE = "dev/venom/core/http/";
    private static final String SWAGGER_UI_POM = "META-INF/maven/org.webjars/swagger-ui/pom.properties";
    /** Assets may change with each release of the jar; clients revalidate (ETag / Last-Modified) after this. */
    private static final int ASSET_CACHE_SECONDS = 300;

    private final ByteBuffer openApi = resource(BASE + "openapi.json");
    private final ByteBuffer docs = resource(BASE + "docs.html");
    private final ByteBuffer dashboard = resource(BASE + "dashboard/index.html");

    void register(Routes routes, RouteHandlers handlers) {
        routes.get("/openapi.json", handlers.io(ExceptionMapping.Action.READ, this::openApi))
                .get("/docs", handlers.io(ExceptionMapping.Action.READ, this::docs))
                .get("/docs/", handlers.io(ExceptionMapping.Action.READ, this::docs))
                // the webjar's own page shows a demo API
                .get("/docs/index.html", handlers.io(ExceptionMapping.Action.READ, this::docs))
                .get("/", handlers.io(ExceptionMapping.Action.READ, this::dashboard));
    }

    /** {@code GET /openapi.json}. */
    void openApi(HttpServerExchange exchange) {
        send(exchange, "application/json", openApi);
    }

    /** {@code GET /docs}: Swagger UI pointed at {@code /openapi.json}. */
    void docs(HttpServerExchange exchange) {
        send(exchange, "text/html; charset=utf-8", docs);
    }

    /** {@code GET /}: the dashboard. */
    void dashboard(HttpServerExchange exchange) {
        send(exchange, "text/html; charset=utf-8", dashboard);
    }

    /**
     * Swagger UI's files under {@code /docs/}: {@code notFound} answers any other path, {@code wrongMethod}
     * any method but GET and HEAD.
     */
    static HttpHandler swaggerUi(HttpHandler notFound, HttpHandler wrongMethod) {
        return assets("META-INF/resources/webjars/swagger-ui/" + swaggerUiVersion(), notFound, wrongMethod);
    }

    /** The dashboard's CSS and JavaScript under {@code /ui/}, answered as {@link #swaggerUi} does. */
    static HttpHandler dashboardAssets(HttpHandler notFound, HttpHandler wrongMethod) {
        return assets(BASE + "dashboard", notFound, wrongMethod);
    }

    private static HttpHandler assets(String prefix, HttpHandler notFound, HttpHandler wrongMethod) {
        HttpHandler files = new ResourceHandler(
                new ClassPathResourceManager(StaticPages.class.getClassLoader(), prefix), notFound)
                .setDirectoryListingEnabled(false)
                .setWelcomeFiles()
                .setCacheTime(ASSET_CACHE_SECONDS);
        return exchange -> {
            if (Methods.GET.equals(exchange.getRequestMethod()) || Methods.HEAD.equals(exchange.getRequestMethod())) {
                files.handleRequest(exchange);
            } else {
                wrongMethod.handleRequest(exchange);
            }
        };
    }

    private static String swaggerUiVersion() {
        Properties pom = new Properties();
        try (InputStream in = StaticPages.class.getClassLoader().getResourceAsStream(SWAGGER_UI_POM)) {
            if (in == null) {
                throw new IllegalStateException(SWAGGER_UI_POM + " is missing: the swagger-ui webjar is not on the "
                        + "class path");
            }
            pom.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pom.getProperty("version");
    }

    private static ByteBuffer resource(String name) {
        try (InputStream in = StaticPages.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the server jar");
            }
            return ByteBuffer.wrap(in.readAllBytes()).asReadOnlyBuffer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void send(HttpServerExchange exchange, String contentType, ByteBuffer body) {
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
        exchange.getResponseSender().send(body.duplicate());
    }
}
