package lucid.app.cli;

import java.util.List;

import lucid.engine.inspect.Alternative;
import lucid.engine.inspect.LogitLens;
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
                        if (!Double.isNaN(stage.prob())) {
                            j.field("prob", stage.prob()).field("rank", stage.rank());
                        }
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
                .field("method", "occlusion");
        pieces(j.name("tokens"), tokenizer, tokens, r.targetPosition());
        j.name("scores").beginArray();
        for (double s : r.scores()) {
            j.value(s);
        }
        return j.endArray().endObject().toString();
    }

    /** {@code {"layer","head","kv_head","tokens":[pieces],"weights":[[query rows over keys]]}} */
    public static String attention(Tokenizer tokenizer, int[] tokens, int layer, String head, int kvHead, float[][] weights) {
        Json j = new Json().beginObject().field("layer", layer);
        if (kvHead >= 0) {
            j.field("head", Integer.parseInt(head)).field("kv_head", kvHead);
        } else {
            j.field("head", head).name("kv_head").value((String) null);
        }
        pieces(j.name("tokens"), tokenizer, tokens, tokens.length);
        j.name("weights").beginArray();
        for (float[] row : weights) {
            j.array(row);
        }
        return j.endArray().endObject().toString();
    }

    /** {@code {"tokens":[pieces],"layers":[{"layer","positions":[{"position","top":[{"id","piece","prob"}]}]}]}} */
    public static String lens(Tokenizer tokenizer, int[] tokens, LogitLens.Result lens) {
        Json j = new Json().beginObject();
        pieces(j.name("tokens"), tokenizer, tokens, tokens.length);
        j.name("layers").beginArray();
        for (int l = 0; l < lens.top().size(); l++) {
            j.beginObject().field("layer", l).name("positions").beginArray();
            List<List<Alternative>> row = lens.top().get(l);
            for (int i = 0; i < row.size(); i++) {
                j.beginObject().field("position", lens.positions()[i]);
                alternatives(j.name("top"), row.get(i));
                j.endObject();
            }
            j.endArray().endObject();
        }
        return j.endArray().endObject().toString();
    }

    /** Attribution by attention rollout: the target's predecessor's rollout row over the input tokens. */
    public static String rollout(Tokenizer tokenizer, int[] tokens, int target, float[] row) {
        Json j = new Json().beginObject().name("target").beginObject()
                .field("position", target)
                .field("id", tokens[target])
                .field("piece", piece(tokenizer, tokens[target]))
                .endObject()
                .field("method", "rollout");
        pieces(j.name("tokens"), tokenizer, tokens, target);
        j.name("scores").beginArray();
        for (int i = 0; i < target; i++) {
            j.value(row[i]);
        }
        return j.endArray().endObject().toString();
    }

    private static void pieces(Json j, Tokenizer tokenizer, int[] tokens, int count) {
        j.beginArray();
        for (int i = 0; i < count; i++) {
            j.value(piece(tokenizer, tokens[i]));
        }
        j.endArray();
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
