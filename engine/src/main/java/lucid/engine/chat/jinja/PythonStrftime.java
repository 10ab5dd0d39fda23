package lucid.engine.chat.jinja;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Python's {@code datetime.strftime} in the C locale, for {@code strftime_now(fmt)}: Llama 3.2
 * writes "Today Date: " + strftime_now("%d %b %Y"), others use "%B %d, %Y" or "%Y-%m-%d". The
 * glibc {@code %-d} form (no padding) is supported too, since templates written on Linux use it.
 */
public final class PythonStrftime {
    private PythonStrftime() {
    }

    public static String format(ZonedDateTime t, String pattern) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 == pattern.length()) {
                sb.append(c);
                continue;
            }
            char code = pattern.charAt(++i);
            boolean unpadded = false;
            if (code == '-' && i + 1 < pattern.length()) {
                unpadded = true;
                code = pattern.charAt(++i);
            }
            switch (code) {
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'b', 'h' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'd' -> number(sb, t.getDayOfMonth(), 2, unpadded);
                case 'e' -> sb.append(String.format("%2d", t.getDayOfMonth()));
                case 'm' -> number(sb, t.getMonthValue(), 2, unpadded);
                case 'y' -> number(sb, t.getYear() % 100, 2, unpadded);
                case 'Y' -> sb.append(t.getYear());
                case 'H' -> number(sb, t.getHour(), 2, unpadded);
                case 'I' -> number(sb, t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2, unpadded);
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'M' -> number(sb, t.getMinute(), 2, unpadded);
                case 'S' -> number(sb, t.getSecond(), 2, unpadded);
                case 'j' -> number(sb, t.getDayOfYear(), 3, unpadded);
                case 'f' -> sb.append(String.format("%06d", t.getNano() / 1000));
                case 'z' -> sb.append(t.getOffset().getId().equals("Z") ? "+0000" : t.getOffset().getId().replace(":", ""));
                case 'Z' -> sb.append(t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'F' -> sb.append(format(t, "%Y-%m-%d"));
                case 'T' -> sb.append(format(t, "%H:%M:%S"));
                case 'D' -> sb.append(format(t, "%m/%d/%y"));
                case 'c' -> sb.append(format(t, "%a %b ")).append(String.format("%2d", t.getDayOfMonth()))
                        .append(format(t, " %H:%M:%S %Y"));
                case 'x' -> sb.append(format(t, "%m/%d/%y"));
                case 'X' -> sb.append(format(t, "%H:%M:%S"));
                case '%' -> sb.append('%');
                default -> sb.append('%').append(unpadded ? "-" : "").append(code);
            }
        }
        return sb.toString();
    }

    private static void number(StringBuilder sb, int value, int width, boolean unpadded) {
        String s = Integer.toString(value);
        if (!unpadded) {
            sb.append("0".repeat(Math.max(0, width - s.length())));
        }
        sb.append(s);
    }
}
