package lucid.engine.model;

import lucid.engine.backend.Backend;

/** One pre-norm decoder block: {@code x = x + attn(norm(x)); x = x + mlp(norm(x))}. */
public final class TransformerBlock {

    private final int layer;
    private final RmsNorm attnNorm;
    private final Attention attention;
    private final RmsNorm ffnNorm;
    private final SwiGluMlp mlp;

    public TransformerBlock(int layer, RmsNorm attnNorm, Attention attention, RmsNorm ffnNorm, SwiGluMlp mlp) {
        this.layer = layer;
        this.attnNorm = attnNorm;
        this.attention = attention;
        this.ffnNorm = ffnNorm;
        this.mlp = mlp;
    }

    public void forward(Backend backend, ForwardState s, KvCache cache, int pos) {
        attnNorm.apply(s.xb, s.x);
        attention.forward(backend, s, cache, layer, pos);
        addInPlace(s.x, s.xb2);
        ffnNorm.apply(s.xb, s.x);
        mlp.forward(backend, s);
        addInPlace(s.x, s.xb2);
    }

    private static void addInPlace(float[] x, float[] delta) {
        for (int i = 0; i < x.length; i++) {
            x[i] += delta[i];
        }
    }
}
