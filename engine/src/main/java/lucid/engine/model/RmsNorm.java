package lucid.engine.model;

/**
 * Root-mean-square normalization with a learned per-channel scale:
 * {@code out[i] = x[i] / sqrt(mean(x^2) + eps) * weight[i]}.
 *
 * @param weight (dim) the learned scale, already including any "+1" a converter folded in
 */
public record RmsNorm(float[] weight, float eps) {

    public int dim() {
        return weight.length;
    }

    /** Normalizes {@code x[xOffset .. xOffset+dim)} into {@code out[outOffset ..]}; out may be x. */
    public void apply(float[] out, int outOffset, float[] x, int xOffset) {
        int n = weight.length;
        // The mean of squares is summed in double, as ggml does: a float sum loses digits at large widths.
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOffset + i];
            sumSq += v * v;
        }
        float scale = (float) (1.0 / Math.sqrt(sumSq / n + eps));
        for (int i = 0; i < n; i++) {
            out[outOffset + i] = x[xOffset + i] * scale * weight[i];
        }
    }

    public void apply(float[] out, float[] x) {
        apply(out, 0, x, 0);
    }
}
