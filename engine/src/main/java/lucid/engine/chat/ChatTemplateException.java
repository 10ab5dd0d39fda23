package lucid.engine.chat;

/**
 * A chat template could not be compiled or rendered, or it refused the conversation through
 * {@code raise_exception(msg)}. The message names the template and says what went wrong; for a
 * refusal, {@link #templateMessage()} is the template's own text.
 */
public final class ChatTemplateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String templateName;
    private final String templateMessage;
    private final boolean raisedByTemplate;

    public ChatTemplateException(String templateName, String templateMessage, boolean raisedByTemplate) {
        super(raisedByTemplate
                ? "chat template '" + templateName + "' refused the conversation: " + templateMessage
                : "chat template '" + templateName + "' failed: " + templateMessage);
        this.templateName = templateName;
        this.templateMessage = templateMessage;
        this.raisedByTemplate = raisedByTemplate;
    }

    public String templateName() {
        return templateName;
    }

    /** The template's own words (its raise_exception argument) or the engine's error. */
    public String templateMessage() {
        return templateMessage;
    }

    /** True when the template called raise_exception: the template works, the conversation does not fit it. */
    public boolean raisedByTemplate() {
        return raisedByTemplate;
    }
}
