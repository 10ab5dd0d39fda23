package lucid.app.chat;

import java.util.Locale;

/** Who wrote a message. Stored by its lower-case name, which is also what chat templates expect. */
public enum Role {
    SYSTEM, USER, ASSISTANT;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role of(String id) {
        return valueOf(id.toUpperCase(Locale.ROOT));
    }
}
