package lucid.engine.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import lucid.engine.backend.Backend;
import lucid.engine.tensor.VectorMath;
import lucid.engine.tensor.VectorSupport;

/**
 * A gated MLP: {@code down(act(gate(x)) * up(x))}, with SiLU (SwiGLU: Llama, Qwen, Phi-3, experts)
 * or tanh-approximated GELU (GeGLU: Gemma) as the activation.
 */
public final class GatedFeedForward implements FeedForward {

    /** The activation applied to the gate. */
    public enum Activation {
        /** {@code x * sigmoid(x)}. */
        SILU,
        /** {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}, ggml's GELU. */
        GELU_TANH;

        private static final VectorSpecies<Float> SPECIES = VectorSupport.FLOAT_SPECIES;
        private static final float GELU_COEF_A = 0.044715f;
        // 0.5 (1 + tanh(z)) = 1 / (1 + e^(-2z)): GELU's z is scaled by -2 sqrt(2/pi) and goes to exp.
        private static final float MINUS_TWO_SQRT_2_OVER_PI = -1.5957691216057308f;

        /** The activation of one value, by the same steps as a vector lane of {@link #applyGated}, so the same bits. */
        float apply(float x) {
            return switch (this) {
                case SILU -> x / (VectorMath.exp(-x) + 1f);
                case GELU_TANH -> x / (VectorMath.exp((x * x * GELU_COEF_A + 1f) * x * MINUS_TWO_SQRT_2_OVER_PI) + 1f);
            };
        }

        /**
         * {@code gate[i] = act(gate[i]) * up[i]} for {@code from <= i < to}, in vector lanes when the
         * Vector API is on. The exponential is {@link VectorMath#exp}, not the Vector API's, whose last
         * bits depend on whether C2 has compiled the loop yet.
         */
        void applyGated(float[] gate, float[] up, int from, int to) {
            int i = from;
            if (VectorSupport.ENABLED) {
                int upper = from + SPECIES.loopBound(to - from);
                for (; i < upper; i += SPECIES.length()) {
                    FloatVector x = FloatVector.fromArray(SPECIES, gate, i);
                    FloatVector a = switch (this) {
                        case SILU -> x.div(VectorMath.exp(x.neg()).add(1f));
                        case GELU_TANH -> x.div(VectorMath.exp(x.mul(x).mul(GELU_COEF_A).add(1f).mul(x)
                                .mul(MINUS_TWO_SQRT_2_OVER_PI)).add(1f));
                    };
                    a.mul(FloatVector.fromArray(SPECIES, up, i)).intoArray(gate, i);
                }
            }
            for (; i < to; i++) {
                gate[i] = apply(gate[i]) * up[i];
            }
        }
    }

    private final Activation activation;
    private final Linear gate; // (ffn, dim)
    private final Linear up;   // (ffn, dim)
    private final Linear down; // (dim, ffn)

    public GatedFeedForward(Activation activation, Linear gate, Linear up, Linear down) {
        if (gate.rows() != up.rows() || down.cols() != up.rows() || gate.cols() != up.cols()) {
            throw new UnsupportedModelException("feed-forward shapes do not fit: " + gate.name() + " " + gate.rows()
                    + "x" + gate.cols() + ", " + up.name() + " " + up.rows() + "x" + up.cols() + ", " + down.name()
                    + " " + down.rows() + "x" + down.cols());
        }
        this.activation = activation;
        this.gate = gate;
        this.up = up;
        this.down = down;
    }

    public int hiddenLength() {
        return up.rows();
    }

    @Override
    public void forward(Backend backend, ForwardState s) {
        forward(backend, s.xb, s.hb, s.hb2, s.xb2);
    }

    /**
     * @param in   (dim)
     * @param hb   (>= ffn) scratch: gate activations, then their product with up
     * @param hb2  (>= ffn) scratch: up activations
     * @param out  (dim)
     */
    void forward(Backend backend, float[] in, float[] hb, float[] hb2, float[] out) {
        Linear.applySameInput(backend, in, gate, hb, up, hb2, null, null);
        activation.applyGated(hb, hb2, 0, up.rows());
        down.apply(backend, hb, out);
    }

    /** Buffers are packed at this MLP's own width: {@code bs.hb} is (batch, ffn) here, whatever maxFfn is. */
    @Override
    public void forwardBatch(Backend backend, ForwardState s, BatchState bs, int batch) {
        Linear.applyBatchSameInput(backend, bs.xb, batch, gate, bs.hb, up, bs.hb2, null, null);
        // exp/tanh per hidden unit and token is a tenth of a chunk's time on one thread: spread it.
        ActivationJob job = bs.activationJob;
        job.set(activation, bs.hb, bs.hb2, up.rows());
        try {
            backend.parallelFor(batch, job);
        } finally {
            job.clear();
        }
        down.applyBatch(backend, bs.hb, bs.xb2, batch);
    }

    /** {@code hb = act(hb) * hb2} for one token's row; reused through {@link BatchState}, so nothing is allocated. */
    static final class ActivationJob implements Backend.IntTask {
        private Activation activation;
        private float[] hb;   // (batch, width)
        private float[] hb2;  // (batch, width)
        private int width;

        void set(Activation activation, float[] hb, float[] hb2, int width) {
            this.activation = activation;
            this.hb = hb;
            this.hb2 = hb2;
            this.width = width;
        }

        void clear() {
            hb = hb2 = null;
        }

        @Override
        public void run(int row) {
            activation.applyGated(hb, hb2, row * width, (row + 1) * width);
        }
    }
}
