package lucid.engine.tensor;

/**
 * A prompt's activations quantized to 8 bits as {@link Q8Activations} quantizes one token (blocks of
 * 32, half away from zero, the same quants, scales and sums), laid out for prefill's 16-bit integer
 * products: panels of {@code panel} tokens, and within a panel each column's quants for all its
 * tokens side by side as shorts, so that one vector load gives a column to many tokens.
 *
 * <ul>
 *   <li>{@link #quants()}: token {@code t} of panel {@code p}, column {@code k} at
 *       {@code (p * cols + k) * panel + lane(t)}.</li>
 *   <li>{@link #scales()} and {@link #sums()}: block {@code b}'s {@code d} and {@code d · Σ qs} at
 *       {@code (p * blocks + b) * panel + t}, tokens in order.</li>
 * </ul>
 *
 * <p>{@link #lane} puts the tokens of each group of {@code group} shorts (one short vector, twice the
 * float lanes) in an order that a kernel undoes for free: token {@code j} of the first half of a group
 * goes to short lane {@code 2j}, token {@code j} of the second half to lane {@code 2j + 1}. Read back
 * as ints, each lane then holds a token of the first half in its low 16 bits and the matching token
 * of the second half in its high 16 bits; two shifts give each half as ints in token order, ready to
 * convert to floats (a widening of shorts to ints that C2 compiles as one instruction is not
 * available for the upper half of a vector).
 *
 * <p>Padding tokens of a last, partial panel are zeros. Fill from many threads, a panel each; read
 * from many once filled.
 */
public final class Q8Panels {

    private final int panel;
    private final int group;
    private short[] q = new short[0];
    private float[] d = new float[0];
    private float[] sum = new float[0];
    private int cols;

    /**
     * @param panel tokens per panel, a multiple of {@code group}
     * @param group shorts per vector (an even number): the tokens whose order {@link #lane} interleaves
     */
    public Q8Panels(int panel, int group) {
        if (group < 2 || group % 2 != 0 || panel % group != 0) {
            throw new IllegalArgumentException("panels of " + panel + " tokens in groups of " + group);
        }
        this.panel = panel;
        this.group = group;
    }

    /** Makes room for {@code panels} panels of rows of {@code cols} (a multiple of {@value Q8Activations#BLOCK}). */
    public void reserve(int panels, int cols) {
        if (cols % Q8Activations.BLOCK != 0) {
            throw new IllegalArgumentException("activations are quantized in blocks of " + Q8Activations.BLOCK
                    + ", got rows of " + cols);
        }
        long quants = (long) panels * cols * panel;
        if (quants > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("too many tokens for one product: " + panels + " panels of " + cols);
        }
        if (q.length < quants) {
            q = new short[(int) quants];
            d = new float[(int) (quants / Q8Activations.BLOCK)];
            sum = new float[d.length];
        }
        this.cols = cols;
    }

    /**
     * Quantizes the tokens of panel {@code p} of {@code x (batch, cols)} (rows {@code p * panel} on),
     * each through {@code scratch}, and writes zeros for the padding tokens past {@code batch}.
     */
    public void fill(float[] x, int batch, int p, Q8Activations scratch) {
        int blocks = cols / Q8Activations.BLOCK;
        int base = p * cols * panel;
        int scaleBase = p * blocks * panel;
        int tokens = Math.min(panel, batch - p * panel);
        for (int t = 0; t < panel; t++) {
            int lane = lane(t);
            if (t >= tokens) {
                for (int k = 0; k < cols; k++) {
                    q[base + k * panel + lane] = 0;
                }
                for (int b = 0; b < blocks; b++) {
                    d[scaleBase + b * panel + t] = 0f;
                    sum[scaleBase + b * panel + t] = 0f;
                }
                continue;
            }
            scratch.quantize(x, (p * panel + t) * cols, cols, 0);
            short[] wide = scratch.wide;
            for (int k = 0; k < cols; k++) {
                q[base + k * panel + lane] = wide[k];
            }
            for (int b = 0; b < blocks; b++) {
                d[scaleBase + b * panel + t] = scratch.d[b];
                sum[scaleBase + b * panel + t] = scratch.sum[b];
            }
        }
    }

    /** The short lane of token {@code t} of a panel: see the class comment. */
    public int lane(int t) {
        int j = t % group;
        int half = group / 2;
        return t - j + (j < half ? 2 * j : 2 * (j - half) + 1);
    }

    /** Tokens per panel. */
    public int panel() {
        return panel;
    }

    /** Columns per token of the last {@link #reserve}. */
    public int cols() {
        return cols;
    }

    /** The quants, as the class comment lays them out. */
    public short[] quants() {
        return q;
    }

    /** Each block's scale {@code d}. */
    public float[] scales() {
        return d;
    }

    /** Each block's {@code d · Σ qs}. */
    public float[] sums() {
        return sum;
    }

    /** Activation {@code k} of token {@code t} of panel {@code p} as the integer path sees it (for tests). */
    public float get(int p, int t, int k) {
        int blocks = cols / Q8Activations.BLOCK;
        return q[(p * cols + k) * panel + lane(t)] * d[(p * blocks + k / Q8Activations.BLOCK) * panel + t];
    }
}
