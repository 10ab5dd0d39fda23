package lucid.engine.model;

import lucid.engine.backend.Backend;

/** The gated feed-forward block of Llama: {@code down(silu(gate(x)) * up(x))}. */
public final class SwiGluMlp {

    private final Linear gate; // (ffn, dim)
    private final Linear up;   // (ffn, dim)
    private final Linear down; // (dim, ffn)

    public SwiGluMlp(Linear gate, Linear up, Linear down) {
        this.gate = gate;
        this.up = up;
        this.down = down;
    }

    /** Reads {@code s.xb}, leaves the result in {@code s.xb2}. */
    public void forward(Backend backend, ForwardState s) {
        gate.apply(backend, s.xb, s.hb);
        up.apply(backend, s.xb, s.hb2);
        float[] hb = s.hb;
        float[] hb2 = s.hb2;
        for (int i = 0; i < hb.length; i++) {
            float g = hb[i];
            hb[i] = g / (1f + (float) Math.exp(-g)) * hb2[i];
        }
        down.apply(backend, hb, s.xb2);
    }
}
