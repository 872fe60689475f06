package dev.venom.core.http.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.venom.core.model.TaskRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Turns request bytes and path segments into model values, or into the validation errors FastAPI would
 * have answered with. Never throws on client input.
 */
public final class RequestParsing {

    /** Either a value or the errors that stopped it. */
    public record Parsed<T>(T value, List<ValidationError> errors) {

        static <T> Parsed<T> ok(T value) {
            return new Parsed<>(value, List.of());
        }

        static <T> Parsed<T> invalid(ValidationError error) {
            return new Parsed<>(null, List.of(error));
        }

        public boolean isValid() {
            return errors.isEmpty();
        }
    }

    private static final List<Object> BODY = List.of("body");
    private static final List<Object> BODY_CONTENT = List.of("body", "content");

    private final ObjectReader reader;

    public RequestParsing(ObjectMapper mapper) {
        this.reader = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /**
     * The common case without building a tree: an object whose {@code content} is a string. Anything else
     * (including every invalid body) returns null and takes the full path, which explains the error.
     */
    private String plainContent(byte[] body) {
        try (JsonParser parser = reader.getFactory().createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String content = null;
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("content".equals(name)) {
                    if (value != JsonToken.VALUE_STRING) {
                        return null;
                    }
                    content = parser.getText();
                } else {
                    parser.skipChildren();
                }
            }
            return token == JsonToken.END_OBJECT && parser.nextToken() == null ? content : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean isJson(String contentType) {
        String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return type.equals("application/json") || type.endsWith("+json");
    }

    /**
     * Reads a task request body. Without a Content-Type it is read as JSON; with one that is not JSON the
     * body is not an object, as FastAPI sees it.
     */
    public Parsed<TaskRequest> taskRequest(String contentType, byte[] body) {
        if (contentType != null && !isJson(contentType)) {
            return Parsed.invalid(new ValidationError("model_attributes_type", BODY,
                    "Input should be a valid dictionary or object to extract fields from",
                    new String(body, StandardCharsets.UTF_8)));
        }
        if (body.length == 0) {
            return Parsed.invalid(new ValidationError("missing", BODY, "Field required", null));
        }
        String plain = plainContent(body);
        if (plain != null) {
            return Parsed.ok(new TaskRequest(plain));
        }
        JsonNode root;
        try {
            root = reader.readTree(body);
        } catch (JsonProcessingException e) {
            JsonLocation where = e.getLocation();
            long offset = where == null ? 0 : Math.max(0, where.getCharOffset() >= 0
                    ? where.getCharOffset() : where.getByteOffset());
            return Parsed.invalid(new ValidationError("json_invalid", List.of("body", offset), "JSON decode error",
                    Map.of(), Map.of("error", firstLine(e.getOriginalMessage()))));
        } catch (IOException e) {
            return Parsed.invalid(new ValidationError("json_invalid", List.of("body", 0), "JSON decode error",
                    Map.of(), Map.of("error", firstLine(e.getMessage()))));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return Parsed.invalid(new ValidationError("missing", BODY, "Field required", null));
        }
        if (!root.isObject()) {
            return Parsed.invalid(new ValidationError("model_attributes_type", BODY,
                    "Input should be a valid dictionary or object to extract fields from", root));
        }
        JsonNode content = root.get("content");
        if (content == null) {
            return Parsed.invalid(new ValidationError("missing", BODY_CONTENT, "Field required", root));
        }
        if (!content.isTextual()) {
            return Parsed.invalid(new ValidationError("string_type", BODY_CONTENT, "Input should be a valid string",
                    content.isNull() ? JsonNodeFactory.instance.nullNode() : content));
        }
        return Parsed.ok(new TaskRequest(content.textValue()));
    }

    /**
     * Reads a task id as pydantic's UUID type does: 36 characters with hyphens or 32 without, hex digits
     * in either case.
     */
    public static Parsed<UUID> taskId(String text) {
        String reason = uuidProblem(text);
        if (reason != null) {
            return Parsed.invalid(new ValidationError("uuid_parsing", List.of("path", "task_id"),
                    "Input should be a valid UUID, " + reason, text, Map.of("error", reason)));
        }
        String hyphenated = text.length() == 36 ? text
                : text.substring(0, 8) + '-' + text.substring(8, 12) + '-' + text.substring(12, 16) + '-'
                        + text.substring(16, 20) + '-' + text.substring(20);
        return Parsed.ok(UUID.fromString(hyphenated));
    }

    private static String uuidProblem(String text) {
        boolean hyphenated = text.length() == 36;
        if (!hyphenated && text.length() != 32) {
            return "invalid length: expected length 32 for simple format, found " + text.length();
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean hyphenSlot = hyphenated && (i == 8 || i == 13 || i == 18 || i == 23);
            boolean ok = hyphenSlot ? c == '-' : Character.digit(c, 16) >= 0;
            if (!ok) {
                return "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], "
                        + "found `" + c + "` at " + (i + 1);
            }
        }
        return null;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "invalid JSON";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
