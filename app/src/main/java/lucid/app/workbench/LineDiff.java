package lucid.app.workbench;

import java.util.ArrayList;
import java.util.List;

/**
 * A line diff of two texts by longest common subsequence: what the version view shows, every line
 * of both texts once, marked kept, added or removed. Documents are short, so the quadratic table
 * is cheap.
 */
public final class LineDiff {

    public enum Kind { SAME, ADDED, REMOVED }

    public record Line(Kind kind, String text) {
    }

    private LineDiff() {
    }

    public static List<Line> diff(String before, String after) {
        String[] a = before.split("\n", -1);
        String[] b = after.split("\n", -1);
        // common[i][j]: length of the longest common subsequence of a[i..] and b[j..]
        int[][] common = new int[a.length + 1][b.length + 1];
        for (int i = a.length - 1; i >= 0; i--) {
            for (int j = b.length - 1; j >= 0; j--) {
                common[i][j] = a[i].equals(b[j]) ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        List<Line> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.length || j < b.length) {
            if (i < a.length && j < b.length && a[i].equals(b[j])) {
                out.add(new Line(Kind.SAME, a[i++]));
                j++;
            } else if (j < b.length && (i == a.length || common[i][j + 1] >= common[i + 1][j])) {
                out.add(new Line(Kind.ADDED, b[j++]));
            } else {
                out.add(new Line(Kind.REMOVED, a[i++]));
            }
        }
        return out;
    }
}
