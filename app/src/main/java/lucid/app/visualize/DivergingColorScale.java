package lucid.app.visualize;

import javafx.scene.paint.Color;

/**
 * A diverging scale for signed values: blue for negative, near-white for zero, red for positive,
 * on ColorBrewer's RdBu anchors, which stay apart for the common colour-vision deficiencies (they
 * differ in lightness as well as hue). Nine anchors, linearly interpolated.
 */
public final class DivergingColorScale {

    // From -1 (blue) to +1 (red).
    private static final int[] RDBU = {
        0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7, 0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b};

    private DivergingColorScale() {
    }

    /** The colour for {@code t} in [-1, 1] (clamped); NaN is neutral grey. */
    public static Color of(double t) {
        if (Double.isNaN(t)) {
            return Color.gray(0.6);
        }
        int c = rgb(t);
        return Color.rgb(c >> 16 & 0xff, c >> 8 & 0xff, c & 0xff);
    }

    /** Black or white, whichever reads better on the colour for {@code t}. */
    public static Color textOn(double t) {
        if (Double.isNaN(t)) {
            return Color.BLACK;
        }
        int c = rgb(t);
        double luminance = 0.2126 * (c >> 16 & 0xff) + 0.7152 * (c >> 8 & 0xff) + 0.0722 * (c & 0xff);
        return luminance > 140 ? Color.BLACK : Color.WHITE;
    }

    private static int rgb(double t) {
        double x = (Math.clamp(t, -1, 1) + 1) / 2 * (RDBU.length - 1);
        int i = Math.min((int) x, RDBU.length - 2);
        double f = x - i;
        int a = RDBU[i];
        int b = RDBU[i + 1];
        int r = mix(a >> 16 & 0xff, b >> 16 & 0xff, f);
        int g = mix(a >> 8 & 0xff, b >> 8 & 0xff, f);
        int bl = mix(a & 0xff, b & 0xff, f);
        return r << 16 | g << 8 | bl;
    }

    private static int mix(int a, int b, double f) {
        return (int) Math.round(a + (b - a) * f);
    }
}
