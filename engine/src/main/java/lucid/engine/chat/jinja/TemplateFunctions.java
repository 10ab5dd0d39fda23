package lucid.engine.chat.jinja;

import java.time.Instant;
import java.time.ZonedDateTime;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;

/**
 * The global functions Hugging Face's chat-template environment adds to Jinja, as static methods
 * because Jinjava binds functions to {@link java.lang.reflect.Method}s. Public only because
 * Jinjava calls them reflectively; the package is exported to Jinjava alone.
 */
public final class TemplateFunctions {
    private TemplateFunctions() {
    }

    /** {@code raise_exception(msg)}: the template refuses the conversation with its own message. */
    public static Object raiseException(Object message) {
        throw new TemplateRaisedException(String.valueOf(message));
    }

    /**
     * {@code strftime_now(fmt)}: the current time, formatted as Python's strftime does. The time
     * comes from the interpreter's date-time provider, which {@link HfJinja} backs with the Clock
     * the template was made with, so tests can fix it.
     */
    public static String strftimeNow(String format) {
        JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
        if (interpreter == null) {
            throw new IllegalStateException("strftime_now called outside a template render");
        }
        long millis = interpreter.getConfig().getDateTimeProvider().getCurrentTimeMillis();
        ZonedDateTime now = ZonedDateTime.ofInstant(Instant.ofEpochMilli(millis), interpreter.getConfig().getTimeZone());
        return PythonStrftime.format(now, format);
    }
}
