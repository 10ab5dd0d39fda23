package lucid.app.chat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Conversations to Markdown and JSON and back. Both keep every branch: JSON as the flat list of
 * messages with their parents (the tree as stored), Markdown as the tree walked depth first, each
 * alternative labelled with its place among its siblings.
 */
public final class ConversationExport {

    /** The JSON layout, versioned so later imports can read older files. */
    public record Document(int version, String title, ConversationSettings settings, long activeLeaf,
                           List<Message> messages) {
    }

    /** One message in the JSON layout; ids are local to the file. */
    public record Message(long id, long parent, String role, String content, long createdAt, MessageStats stats) {
    }

    private final ConversationStore store;

    public ConversationExport(ConversationStore store) {
        this.store = store;
    }

    public String toJson(Conversation c) {
        List<Message> out = new ArrayList<>();
        for (StoredMessage m : store.messages(c.id())) {
            out.add(new Message(m.id(), m.parentId(), m.role().id(), m.content(), m.createdAt(), m.stats()));
        }
        Conversation fresh = store.conversation(c.id()).orElse(c);
        return store.toJson(new Document(1, fresh.title(), fresh.settings(), fresh.activeLeaf(), out));
    }

    public String toMarkdown(Conversation c) {
        ConversationTree tree = new ConversationTree(store.messages(c.id()));
        StringBuilder md = new StringBuilder("# ").append(c.title()).append("\n\n");
        if (!c.settings().systemPrompt().isBlank()) {
            md.append("> **System:** ").append(c.settings().systemPrompt().replace("\n", "\n> ")).append("\n\n");
        }
        walk(tree, 0, "", md);
        return md.toString();
    }

    private static void walk(ConversationTree tree, long parent, String branch, StringBuilder md) {
        List<StoredMessage> kids = tree.children(parent);
        for (int i = 0; i < kids.size(); i++) {
            StoredMessage m = kids.get(i);
            String label = kids.size() > 1 ? branch + (branch.isEmpty() ? "" : ".") + (i + 1) : branch;
            md.append("## ").append(m.role() == Role.USER ? "User" : m.role() == Role.ASSISTANT ? "Assistant" : "System");
            if (kids.size() > 1) {
                md.append(" (branch ").append(label).append(", ").append(i + 1).append(" of ").append(kids.size()).append(')');
            }
            md.append("\n\n").append(m.content()).append("\n\n");
            walk(tree, m.id(), label, md);
        }
    }

    public void writeJson(Conversation c, Path file) throws IOException {
        Files.writeString(file, toJson(c), StandardCharsets.UTF_8);
    }

    public void writeMarkdown(Conversation c, Path file) throws IOException {
        Files.writeString(file, toMarkdown(c), StandardCharsets.UTF_8);
    }

    /** Creates a new conversation from an exported JSON file, every branch included. */
    public Conversation importJson(Path file) throws IOException {
        Document doc = store.fromJson(Files.readString(file, StandardCharsets.UTF_8), Document.class);
        if (doc.messages() == null) {
            throw new IOException(file.getFileName() + " is not a Lucid conversation (no messages)");
        }
        ConversationSettings settings = doc.settings() == null ? ConversationSettings.defaults() : doc.settings();
        Conversation c = store.createConversation(doc.title() == null ? file.getFileName().toString() : doc.title(),
                settings);
        Map<Long, Long> ids = new HashMap<>();
        ids.put(0L, 0L);
        for (Message m : doc.messages()) { // parents come before children in an exported file
            Long parent = ids.get(m.parent());
            if (parent == null) {
                throw new IOException("message " + m.id() + " refers to a parent " + m.parent() + " not before it");
            }
            StoredMessage saved = store.addMessage(c.id(), parent, Role.of(m.role()), m.content(), true);
            if (m.stats() != null) {
                store.finishMessage(saved.id(), m.content(), m.stats());
            }
            ids.put(m.id(), saved.id());
        }
        long leaf = ids.getOrDefault(doc.activeLeaf(), 0L);
        store.setActiveLeaf(c.id(), leaf);
        return store.conversation(c.id()).orElseThrow();
    }
}
