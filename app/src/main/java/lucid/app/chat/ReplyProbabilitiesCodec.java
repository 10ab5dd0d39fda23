package lucid.app.chat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import lucid.engine.inspect.Alternative;
import lucid.engine.inspect.SampledView;
import lucid.engine.inspect.SamplerStage;
import lucid.engine.inspect.TokenProbability;

/**
 * {@link ReplyProbabilities} as the database keeps them: gzipped JSON, one object per message.
 * Doubles are written in their shortest exact form, so what reloads is bit for bit what the engine
 * recorded. The layout is versioned ({@code "v":1}); an unreadable blob reads as no probabilities.
 *
 * <pre>
 * {"v":1, "prompt":[ids],
 *  "tokens":[{"pos","id","piece","prob","logprob","rank","entropy","gen","top":[[id,piece,prob]...],
 *             "sampled":{"prob","rank","entropy","top":[...],
 *                        "stages":[{"name","n","entropy","prob","rank","top":[...]}]}}]}
 * </pre>
 */
final class ReplyProbabilitiesCodec {

    static final int VERSION = 1;

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final ObjectMapper READER = new ObjectMapper();

    private ReplyProbabilitiesCodec() {
    }

    static byte[] encode(ReplyProbabilities p) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream zip = new GZIPOutputStream(bytes); JsonGenerator j = FACTORY.createGenerator(zip)) {
            j.writeStartObject();
            j.writeNumberField("v", VERSION);
            j.writeArrayFieldStart("prompt");
            for (int id : p.prompt()) {
                j.writeNumber(id);
            }
            j.writeEndArray();
            j.writeArrayFieldStart("tokens");
            for (TokenProbability t : p.tokens()) {
                j.writeStartObject();
                j.writeNumberField("pos", t.position());
                j.writeNumberField("id", t.id());
                j.writeStringField("piece", t.piece());
                j.writeNumberField("prob", t.prob());
                j.writeNumberField("logprob", t.logprob());
                j.writeNumberField("rank", t.rank());
                j.writeNumberField("entropy", t.entropy());
                j.writeBooleanField("gen", t.generated());
                writeTop(j, t.top());
                SampledView s = t.sampled();
                if (s != null) {
                    j.writeObjectFieldStart("sampled");
                    j.writeNumberField("prob", s.prob());
                    j.writeNumberField("rank", s.rank());
                    j.writeNumberField("entropy", s.entropy());
                    writeTop(j, s.top());
                    j.writeArrayFieldStart("stages");
                    for (SamplerStage stage : s.stages()) {
                        j.writeStartObject();
                        j.writeStringField("name", stage.name());
                        j.writeNumberField("n", stage.candidates());
                        j.writeNumberField("entropy", stage.entropy());
                        j.writeNumberField("prob", stage.prob());
                        j.writeNumberField("rank", stage.rank());
                        writeTop(j, stage.top());
                        j.writeEndObject();
                    }
                    j.writeEndArray();
                    j.writeEndObject();
                }
                j.writeEndObject();
            }
            j.writeEndArray();
            j.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // an in-memory stream does not fail
        }
        return bytes.toByteArray();
    }

    /** The probabilities in {@code data}; throws IllegalArgumentException for a blob it cannot read. */
    static ReplyProbabilities decode(byte[] data) {
        JsonNode root;
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
            root = READER.readTree(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable probabilities: " + e.getMessage(), e);
        }
        if (root == null || root.path("v").asInt() != VERSION) {
            throw new IllegalArgumentException("probabilities of an unknown version " + (root == null ? "" : root.path("v")));
        }
        JsonNode promptNode = root.path("prompt");
        int[] prompt = new int[promptNode.size()];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = promptNode.get(i).asInt();
        }
        List<TokenProbability> tokens = new ArrayList<>();
        for (JsonNode t : root.path("tokens")) {
            SampledView sampled = null;
            JsonNode s = t.get("sampled");
            if (s != null) {
                List<SamplerStage> stages = new ArrayList<>();
                for (JsonNode st : s.path("stages")) {
                    stages.add(new SamplerStage(st.path("name").asText(), st.path("n").asInt(),
                            number(st.path("entropy")), readTop(st), number(st.path("prob")), st.path("rank").asInt()));
                }
                sampled = new SampledView(number(s.path("prob")), s.path("rank").asInt(), number(s.path("entropy")),
                        readTop(s), stages);
            }
            tokens.add(new TokenProbability(t.path("pos").asInt(), t.path("id").asInt(), t.path("piece").asText(),
                    number(t.path("prob")), number(t.path("logprob")), t.path("rank").asInt(),
                    number(t.path("entropy")), readTop(t), t.path("gen").asBoolean(), sampled));
        }
        return new ReplyProbabilities(prompt, tokens);
    }

    private static void writeTop(JsonGenerator j, List<Alternative> top) throws IOException {
        j.writeArrayFieldStart("top");
        for (Alternative a : top) {
            j.writeStartArray();
            j.writeNumber(a.id());
            j.writeString(a.piece());
            j.writeNumber(a.prob());
            j.writeEndArray();
        }
        j.writeEndArray();
    }

    private static List<Alternative> readTop(JsonNode parent) {
        List<Alternative> top = new ArrayList<>();
        for (JsonNode a : parent.path("top")) {
            top.add(new Alternative(a.get(0).asInt(), a.get(1).asText(), number(a.get(2))));
        }
        return top;
    }

    /** JSON has no NaN or infinities: Jackson writes them as strings, read back here. */
    private static double number(JsonNode n) {
        return n.isTextual() ? Double.parseDouble(n.asText()) : n.asDouble();
    }
}
