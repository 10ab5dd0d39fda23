package lucid.app.cli;

import java.util.List;

import lucid.engine.inspect.Alternative;
import lucid.engine.inspect.OcclusionAttribution;
import lucid.engine.inspect.SampledView;
import lucid.engine.inspect.SamplerStage;
import lucid.engine.inspect.TokenProbability;
import lucid.engine.tokenizer.Tokenizer;
import lucid.engine.tokenizer.Utf8StreamDecoder;

/** Inspection results as JSON, in the schema documented in docs/INSPECT.md (shared by the CLI and the app). */
public final class InspectionJson {

    private InspectionJson() {
    }

    /** {@code {"tokens":[{"position","id","piece","prob","logprob","rank","entropy","generated","top":[...],"sampled":{...}}]}} */
    public static String probabilities(List<TokenProbability> tokens) {
        Json j = new Json().beginObject().name("tokens").beginArray();
        for (TokenProbability t : tokens) {
            j.beginObject()
                    .field("position", t.position())
                    .field("id", t.id())
                    .field("piece", t.piece())
                    .field("prob", t.prob())
                    .field("logprob", t.logprob())
                    .field("rank", t.rank())
                    .field("entropy", t.entropy())
                    .field("generated", t.generated());
            alternatives(j.name("top"), t.top());
            SampledView s = t.sampled();
            if (s != null) {
                j.name("sampled").beginObject()
                        .field("prob", s.prob())
                        .field("rank", s.rank())
                        .field("entropy", s.entropy());
                alternatives(j.name("top"), s.top());
                if (!s.stages().isEmpty()) {
                    j.name("stages").beginArray();
                    for (SamplerStage stage : s.stages()) {
                        j.beginObject().field("name", stage.name()).field("candidates", stage.candidates())
                                .field("entropy", stage.entropy());
                        alternatives(j.name("top"), stage.top());
                        j.endObject();
                    }
                    j.endArray();
                }
                j.endObject();
            }
            j.endObject();
        }
        return j.endArray().endObject().toString();
    }

    /** {@code {"target":{"position","id","piece","logprob"},"tokens":[pieces],"scores":[per input token]}} */
    public static String attribution(Tokenizer tokenizer, int[] tokens, OcclusionAttribution.Result r) {
        Json j = new Json().beginObject().name("target").beginObject()
                .field("position", r.targetPosition())
                .field("id", r.targetId())
                .field("piece", piece(tokenizer, r.targetId()))
                .field("logprob", r.baseLogprob())
                .endObject()
                .field("method", "occlusion")
                .name("tokens").beginArray();
        for (int i = 0; i < r.targetPosition(); i++) {
            j.value(piece(tokenizer, tokens[i]));
        }
        j.endArray().name("scores").beginArray();
        for (double s : r.scores()) {
            j.value(s);
        }
        return j.endArray().endObject().toString();
    }

    private static void alternatives(Json j, List<Alternative> list) {
        j.beginArray();
        for (Alternative a : list) {
            j.beginObject().field("id", a.id()).field("piece", a.piece()).field("prob", a.prob()).endObject();
        }
        j.endArray();
    }

    private static String piece(Tokenizer tokenizer, int id) {
        return Utf8StreamDecoder.decodeAll(tokenizer.tokenPiece(id, true));
    }
}
