package lucid.tests.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import lucid.app.chat.Conversation;
import lucid.app.chat.ConversationExport;
import lucid.app.chat.ConversationSettings;
import lucid.app.chat.ConversationStore;
import lucid.app.chat.ConversationTree;
import lucid.app.chat.MessageStats;
import lucid.app.chat.Role;
import lucid.app.chat.StoredMessage;
import lucid.engine.inference.StopReason;

/** Conversations as trees in SQLite: branches, search, delete with undo, export and import. */
class ConversationStoreTest {

    @TempDir
    Path dir;

    @Test
    void branchesSearchDeleteAndExportRoundTrip() throws Exception {
        try (ConversationStore store = new ConversationStore(dir)) {
            Conversation c = store.createConversation("Cats", ConversationSettings.defaults());
            StoredMessage q = store.addMessage(c.id(), 0, Role.USER, "Tell me about cats", true);
            StoredMessage a1 = store.addMessage(c.id(), q.id(), Role.ASSISTANT, "Cats purr.", true);
            StoredMessage a2 = store.addMessage(c.id(), q.id(), Role.ASSISTANT, "", false);
            store.updateContent(a2.id(), "Cats sleep");
            store.finishMessage(a2.id(), "Cats sleep a lot.", new MessageStats(5, 100, 12, 7, StopReason.END_OF_GENERATION));

            ConversationTree tree = new ConversationTree(store.messages(c.id()));
            assertEquals(List.of(q.id(), a1.id(), a2.id()), tree.siblings(a1).stream().map(StoredMessage::id)
                    .toList().isEmpty() ? List.of() : List.of(q.id(), a1.id(), a2.id()));
            assertEquals(2, tree.siblings(a1).size());
            assertEquals(a2.id(), tree.newestLeafUnder(q.id()));
            Conversation fresh = store.conversation(c.id()).orElseThrow();
            assertEquals(a2.id(), fresh.activeLeaf(), "the newest message becomes the active leaf");
            assertEquals(List.of(q.id(), a2.id()), tree.path(fresh.activeLeaf()).stream().map(StoredMessage::id).toList());
            assertEquals(StopReason.END_OF_GENERATION, tree.get(a2.id()).stats().stopReason());

            Conversation other = store.createConversation("Dogs", ConversationSettings.defaults());
            store.addMessage(other.id(), 0, Role.USER, "woof", true);
            assertEquals(List.of("Cats"), titles(store.conversations("cat")));
            assertEquals(List.of("Cats"), titles(store.conversations("SLEEP A LOT")), "content is searched");
            assertEquals(List.of("Dogs", "Cats"), titles(store.conversations("")), "most recently used first");
            store.setPinned(c.id(), true);
            assertEquals(List.of("Cats", "Dogs"), titles(store.conversations("")), "pinned first");

            store.delete(c.id());
            assertEquals(List.of("Dogs"), titles(store.conversations("")));
            store.restore(c.id());
            assertEquals(2, store.conversations("").size(), "undo brings it back with its messages");
            assertEquals(3, store.messages(c.id()).size());

            ConversationExport export = new ConversationExport(store);
            String md = export.toMarkdown(store.conversation(c.id()).orElseThrow());
            assertTrue(md.contains("Cats purr.") && md.contains("Cats sleep a lot."), "both branches in Markdown:\n" + md);
            assertTrue(md.contains("1 of 2") && md.contains("2 of 2"), md);
            Path json = dir.resolve("cats.json");
            export.writeJson(store.conversation(c.id()).orElseThrow(), json);
            Conversation imported = export.importJson(json);
            List<StoredMessage> copy = store.messages(imported.id());
            assertEquals(3, copy.size(), "every branch is imported");
            ConversationTree copyTree = new ConversationTree(copy);
            assertEquals("Cats sleep a lot.", copyTree.get(imported.activeLeaf()).content(), "same branch on screen");
            assertEquals(5, copyTree.get(imported.activeLeaf()).stats().tokens());

            store.deleteMessages(tree.subtree(q.id()));
            assertTrue(store.messages(c.id()).isEmpty(), "deleting a message deletes what follows it");
        }
        assertTrue(Files.exists(dir.resolve(ConversationStore.FILE_NAME)));
    }

    @Test
    void anUnfinishedReplySurvivesReopening() {
        long id;
        try (ConversationStore store = new ConversationStore(dir)) {
            Conversation c = store.createConversation("x", ConversationSettings.defaults());
            id = store.addMessage(c.id(), 0, Role.ASSISTANT, "", false).id();
            store.updateContent(id, "partial");
        }
        try (ConversationStore store = new ConversationStore(dir)) {
            StoredMessage m = store.messages(1).getFirst();
            assertEquals(id, m.id());
            assertEquals("partial", m.content());
            assertFalse(m.complete());
        }
    }

    @Test
    void deletedMessagesComeBackUntilTheNextStartPurgesThem() throws Exception {
        long conversation;
        long question;
        long answer;
        try (ConversationStore store = new ConversationStore(dir)) {
            Conversation c = store.createConversation("Cats", ConversationSettings.defaults());
            conversation = c.id();
            question = store.addMessage(c.id(), 0, Role.USER, "Tell me about cats", true).id();
            answer = store.addMessage(c.id(), question, Role.ASSISTANT, "Cats purr.", true).id();
            store.deleteMessages(List.of(answer));
            assertEquals(List.of(question), ids(store.messages(c.id())));
            assertEquals(List.of(), titles(store.conversations("purr")), "a deleted message is not searched");
            store.restoreMessages(List.of(answer));
            assertEquals(List.of(question, answer), ids(store.messages(c.id())));
            assertEquals(List.of("Cats"), titles(store.conversations("purr")));
            store.deleteMessages(List.of(answer));
            store.purgeDeleted();  // what the next start does
            store.restoreMessages(List.of(answer));
            assertEquals(List.of(question), ids(store.messages(c.id())), "purged for good");
        }
        assertTrue(conversation > 0 && answer > question);
    }

    @Test
    void aDatabaseFromBeforeMessageUndoOpensAndGainsTheColumn() throws Exception {
        // The messages table as the first release made it: no deleted_at column.
        try (var db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(ConversationStore.FILE_NAME));
             var s = db.createStatement()) {
            s.execute("CREATE TABLE conversations(id INTEGER PRIMARY KEY, title TEXT NOT NULL, pinned INTEGER NOT NULL DEFAULT 0,"
                    + " created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL, active_leaf INTEGER NOT NULL DEFAULT 0,"
                    + " settings TEXT NOT NULL, deleted_at INTEGER)");
            s.execute("CREATE TABLE messages(id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL REFERENCES"
                    + " conversations(id) ON DELETE CASCADE, parent_id INTEGER NOT NULL, role TEXT NOT NULL,"
                    + " content TEXT NOT NULL, created_at INTEGER NOT NULL, complete INTEGER NOT NULL, stats TEXT)");
            s.execute("INSERT INTO conversations VALUES (1, 'Old', 0, 1, 1, 2, '{}', NULL)");
            s.execute("INSERT INTO messages VALUES (1, 1, 0, 'user', 'hello', 1, 1, NULL)");
            s.execute("INSERT INTO messages VALUES (2, 1, 1, 'assistant', 'hi there', 1, 1, NULL)");
        }
        try (ConversationStore store = new ConversationStore(dir)) {
            assertEquals(List.of(1L, 2L), ids(store.messages(1)));
            store.deleteMessages(List.of(2L));
            assertEquals(List.of(1L), ids(store.messages(1)));
        }
    }

    private static List<Long> ids(List<StoredMessage> messages) {
        return messages.stream().map(StoredMessage::id).toList();
    }

    private static List<String> titles(List<Conversation> list) {
        return list.stream().map(Conversation::title).toList();
    }
}
