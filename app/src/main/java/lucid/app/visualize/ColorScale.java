package lucid.app.visualize;

import javafx.scene.paint.Color;

/**
 * Viridis, the perceptually uniform scale that stays readable for the common colour-vision
 * deficiencies and in greyscale: dark purple for 0, through blue and green, to yellow for 1.
 * Nine evenly spaced anchors, linearly interpolated.
 */
public final class ColorScale {

    private static final int[] VIRIDIS = {
        0x440154, 0x482878, 0x3e4989, 0x31688e, 0x26828e, 0x1f9e89, 0x35b779, 0x6ece58, 0xfde725};

    private ColorScale() {
    }

    /** The colour for {@code t} in [0, 1] (clamped). */
    public static Color viridis(double t) {
        return Color.rgb(r(argb(t)), g(argb(t)), b(argb(t)));
    }

    /** The same colour as 0xRRGGBB, for pixel buffers. */
    public static int argb(double t) {
        double x = Double.isNaN(t) ? 0 : Math.clamp(t, 0, 1) * (VIRIDIS.length - 1);
        int i = Math.min((int) x, VIRIDIS.length - 2);
        double f = x - i;
        int a = VIRIDIS[i];
        int b = VIRIDIS[i + 1];
        int r = (int) Math.round(r(a) + (r(b) - r(a)) * f);
        int g = (int) Math.round(g(a) + (g(b) - g(a)) * f);
        int bl = (int) Math.round(b(a) + (b(b) - b(a)) * f);
        return 0xff000000 | r << 16 | g << 8 | bl;
    }

    /** Black or white, whichever reads better on the scale's colour for {@code t}. */
    public static Color textOn(double t) {
        int c = argb(t);
        double luminance = 0.2126 * r(c) + 0.7152 * g(c) + 0.0722 * b(c);
        return luminance > 140 ? Color.BLACK : Color.WHITE;
    }

    private static int r(int c) {
        return c >> 16 & 0xff;
    }

    private static int g(int c) {
        return c >> 8 & 0xff;
    }

    private static int b(int c) {
        return c & 0xff;
    }
}
