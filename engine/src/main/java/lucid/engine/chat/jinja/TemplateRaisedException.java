package lucid.engine.chat.jinja;

/** Thrown by {@code raise_exception(msg)} inside a template; carries the template's message out of Jinjava. */
public final class TemplateRaisedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TemplateRaisedException(String message) {
        super(message);
    }
}
