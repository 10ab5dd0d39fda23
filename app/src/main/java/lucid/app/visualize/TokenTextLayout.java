package lucid.app.visualize;

import javafx.scene.text.Font;
import javafx.scene.text.Text;

/**
 * Token pieces laid out as wrapping text for drawing on a canvas: each token gets a box (its own
 * width, one line high), lines break where the next token does not fit and after a newline. The
 * boxes are kept for hit testing, so a canvas can tell which token the pointer is on.
 */
final class TokenTextLayout {

    private final double[] x;      // (tokens) left edge
    private final double[] y;      // (tokens) top of the token's line
    private final double[] width;  // (tokens)
    private final String[] shown;  // (tokens) the text drawn: newlines and tabs as visible marks
    private final double lineHeight;
    private final double height;

    /**
     * @param pieces     the token texts
     * @param font       the font they are drawn in
     * @param wrapWidth  the width to wrap at
     * @param lineHeight the height of one line, text and whatever is drawn above it
     */
    TokenTextLayout(String[] pieces, Font font, double wrapWidth, double lineHeight) {
        int n = pieces.length;
        x = new double[n];
        y = new double[n];
        width = new double[n];
        shown = new String[n];
        this.lineHeight = lineHeight;
        Text measure = new Text();
        measure.setFont(font);
        double cx = 0;
        double cy = 0;
        for (int i = 0; i < n; i++) {
            String piece = pieces[i];
            boolean newline = piece.endsWith("\n");
            shown[i] = piece.replace("\n", "↵").replace("\t", "⇥");
            measure.setText(shown[i].isEmpty() ? " " : shown[i]);
            // No padding: pieces carry their own spaces, so the boxes read as ordinary text.
            double w = measure.getLayoutBounds().getWidth();
            if (cx > 0 && cx + w > wrapWidth) {
                cx = 0;
                cy += lineHeight;
            }
            x[i] = cx;
            y[i] = cy;
            width[i] = w;
            cx += w;
            if (newline) {
                cx = 0;
                cy += lineHeight;
            }
        }
        height = n == 0 ? 0 : (cx == 0 && cy > 0 ? cy : cy + lineHeight);
    }

    int size() {
        return x.length;
    }

    double x(int token) {
        return x[token];
    }

    double y(int token) {
        return y[token];
    }

    double width(int token) {
        return width[token];
    }

    String shown(int token) {
        return shown[token];
    }

    double lineHeight() {
        return lineHeight;
    }

    /** The height all lines take. */
    double height() {
        return height;
    }

    /** The token whose box holds the point, or -1. */
    int tokenAt(double px, double py) {
        for (int i = 0; i < x.length; i++) {
            if (py >= y[i] && py < y[i] + lineHeight && px >= x[i] && px < x[i] + width[i]) {
                return i;
            }
        }
        return -1;
    }
}
