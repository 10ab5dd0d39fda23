package lucid.app.chat;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Conversations, their message trees and the app's settings, in one SQLite database.
 *
 * <p>WAL journal: a reply being saved every half second never blocks readers, and a process killed
 * mid-write leaves the last committed state (SQLite's own guarantee; {@code CrashSafetyTest} checks
 * it). One connection, used under this object's lock from the FX thread and the generation worker.
 *
 * <pre>
 * conversations(id, title, pinned, created_at, last_used_at, active_leaf, settings JSON, deleted_at)
 * messages(id, conversation_id, parent_id (0 = root), role, content, created_at, complete, stats JSON)
 * settings(key, value)
 * message_probabilities(message_id → messages(id), data: gzipped JSON of ReplyProbabilities)
 * </pre>
 * Tables added after the first release are created when missing, so an older database opens as is
 * (its replies simply have no recorded probabilities).
 * A deleted conversation or message keeps its rows with {@code deleted_at} set until the undo window
 * passes ({@code messages.deleted_at} is added to older databases when missing).
 */
public final class ConversationStore implements AutoCloseable {

    public static final String FILE_NAME = "lucid.db";

    private final Connection db;
    private final ObjectMapper json = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public ConversationStore(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            db = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(FILE_NAME));
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA foreign_keys=ON");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS conversations(
                          id INTEGER PRIMARY KEY, title TEXT NOT NULL, pinned INTEGER NOT NULL DEFAULT 0,
                          created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL,
                          active_leaf INTEGER NOT NULL DEFAULT 0, settings TEXT NOT NULL, deleted_at INTEGER)""");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS messages(
                          id INTEGER PRIMARY KEY,
                          conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                          parent_id INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL,
                          created_at INTEGER NOT NULL, complete INTEGER NOT NULL, stats TEXT)""");
                // Added after the first release: deleted messages wait here while their undo is on offer.
                if (!hasColumn(s, "messages", "deleted_at")) {
                    s.execute("ALTER TABLE messages ADD COLUMN deleted_at INTEGER");
                }
                s.execute("CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages(conversation_id)");
                s.execute("CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS message_probabilities(
                          message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
                          data BLOB NOT NULL)""");
            }
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new StoreException("cannot open the database in " + dataDir, e);
        }
    }

    private static boolean hasColumn(Statement s, String table, String column) throws SQLException {
        try (ResultSet r = s.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (r.next()) {
                if (r.getString("name").equals(column)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A database problem; the message says what was being done. */
    public static final class StoreException extends RuntimeException {
        StoreException(String what, Throwable cause) {
            super(what + ": " + cause.getMessage(), cause);
        }
    }

    // ---- conversations ----

    public synchronized Conversation createConversation(String title, ConversationSettings settings) {
        long now = System.currentTimeMillis();
        try (PreparedStatement p = db.prepareStatement(
                "INSERT INTO conversations(title, pinned, created_at, last_used_at, active_leaf, settings) "
                        + "VALUES (?, 0, ?, ?, 0, ?)", Statement.RETURN_GENERATED_KEYS)) {
            p.setString(1, title);
            p.setLong(2, now);
            p.setLong(3, now);
            p.setString(4, toJson(settings));
            p.executeUpdate();
            return new Conversation(generatedId(p), title, false, now, now, 0, settings);
        } catch (SQLException e) {
            throw new StoreException("cannot create a conversation", e);
        }
    }

    /**
     * Conversations not deleted, pinned first, then most recently used. A non-blank {@code query}
     * keeps those whose title or any message contains it (case-insensitive).
     */
    public synchronized List<Conversation> conversations(String query) {
        String q = query == null ? "" : query.strip();
        String sql = "SELECT * FROM conversations c WHERE deleted_at IS NULL"
                + (q.isEmpty() ? "" : " AND (instr(lower(title), lower(?)) > 0 OR EXISTS (SELECT 1 FROM messages m "
                + "WHERE m.conversation_id = c.id AND m.deleted_at IS NULL AND instr(lower(m.content), lower(?)) > 0))")
                + " ORDER BY pinned DESC, last_used_at DESC, id DESC";
        try (PreparedStatement p = db.prepareStatement(sql)) {
            if (!q.isEmpty()) {
                p.setString(1, q);
                p.setString(2, q);
            }
            List<Conversation> out = new ArrayList<>();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(conversation(r));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("cannot list conversations", e);
        }
    }

    public synchronized Optional<Conversation> conversation(long id) {
        try (PreparedStatement p = db.prepareStatement("SELECT * FROM conversations WHERE id = ? AND deleted_at IS NULL")) {
            p.setLong(1, id);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(conversation(r)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read conversation " + id, e);
        }
    }

    public synchronized void rename(long id, String title) {
        update("UPDATE conversations SET title = ? WHERE id = ?", title, id);
    }

    public synchronized void setPinned(long id, boolean pinned) {
        update("UPDATE conversations SET pinned = ? WHERE id = ?", pinned ? 1 : 0, id);
    }

    public synchronized void saveSettings(long id, ConversationSettings settings) {
        update("UPDATE conversations SET settings = ? WHERE id = ?", toJson(settings), id);
    }

    public synchronized void setActiveLeaf(long id, long leaf) {
        update("UPDATE conversations SET active_leaf = ?, last_used_at = ? WHERE id = ?", leaf,
                System.currentTimeMillis(), id);
    }

    /** Hides a conversation; {@link #restore} brings it back, {@link #purgeDeleted} removes it for good. */
    public synchronized void delete(long id) {
        update("UPDATE conversations SET deleted_at = ? WHERE id = ?", System.currentTimeMillis(), id);
    }

    public synchronized void restore(long id) {
        update("UPDATE conversations SET deleted_at = NULL WHERE id = ?", id);
    }

    public synchronized void purgeDeleted() {
        try (Statement s = db.createStatement()) {
            s.executeUpdate("DELETE FROM conversations WHERE deleted_at IS NOT NULL");
            s.executeUpdate("DELETE FROM messages WHERE deleted_at IS NOT NULL");
        } catch (SQLException e) {
            throw new StoreException("cannot purge deleted conversations", e);
        }
    }

    // ---- messages ----

    public synchronized StoredMessage addMessage(long conversationId, long parentId, Role role, String content,
                                                 boolean complete) {
        long now = System.currentTimeMillis();
        try (PreparedStatement p = db.prepareStatement("INSERT INTO messages(conversation_id, parent_id, role, content, "
                + "created_at, complete) VALUES (?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            p.setLong(1, conversationId);
            p.setLong(2, parentId);
            p.setString(3, role.id());
            p.setString(4, content);
            p.setLong(5, now);
            p.setInt(6, complete ? 1 : 0);
            p.executeUpdate();
            long id = generatedId(p);
            setActiveLeaf(conversationId, id);
            return new StoredMessage(id, conversationId, parentId, role, content, now, complete, null);
        } catch (SQLException e) {
            throw new StoreException("cannot save a message", e);
        }
    }

    /** Saves a streaming reply's text so far; called in batches by the generation worker. */
    public synchronized void updateContent(long messageId, String content) {
        update("UPDATE messages SET content = ? WHERE id = ?", content, messageId);
    }

    public synchronized void finishMessage(long messageId, String content, MessageStats stats) {
        update("UPDATE messages SET content = ?, complete = 1, stats = ? WHERE id = ?", content,
                stats == null ? null : toJson(stats), messageId);
    }

    /** Every message of a conversation, oldest first. */
    public synchronized List<StoredMessage> messages(long conversationId) {
        try (PreparedStatement p = db.prepareStatement(
                "SELECT * FROM messages WHERE conversation_id = ? AND deleted_at IS NULL ORDER BY id")) {
            p.setLong(1, conversationId);
            List<StoredMessage> out = new ArrayList<>();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    String stats = r.getString("stats");
                    out.add(new StoredMessage(r.getLong("id"), conversationId, r.getLong("parent_id"),
                            Role.of(r.getString("role")), r.getString("content"), r.getLong("created_at"),
                            r.getInt("complete") != 0, stats == null ? null : fromJson(stats, MessageStats.class)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("cannot read messages", e);
        }
    }

    /**
     * Deletes messages (a message and all its descendants, as the caller computed them). They stay
     * hidden in the database until {@link #restoreMessages} brings them back or {@link #purgeDeleted}
     * (at the next start) removes them.
     */
    public synchronized void deleteMessages(List<Long> ids) {
        setDeleted(ids, System.currentTimeMillis(), "cannot delete messages");
    }

    /** Brings back messages {@link #deleteMessages} hid. */
    public synchronized void restoreMessages(List<Long> ids) {
        setDeleted(ids, null, "cannot restore messages");
    }

    private void setDeleted(List<Long> ids, Long when, String what) {
        try (PreparedStatement p = db.prepareStatement("UPDATE messages SET deleted_at = ? WHERE id = ?")) {
            db.setAutoCommit(false);
            for (long id : ids) {
                if (when == null) {
                    p.setNull(1, java.sql.Types.INTEGER);
                } else {
                    p.setLong(1, when);
                }
                p.setLong(2, id);
                p.addBatch();
            }
            p.executeBatch();
            db.commit();
        } catch (SQLException e) {
            throw new StoreException(what, e);
        } finally {
            try {
                db.setAutoCommit(true);
            } catch (SQLException ignored) {
                // The connection is broken; the next statement reports it.
            }
        }
    }

    public synchronized void saveProbabilities(long messageId, ReplyProbabilities probabilities) {
        try (PreparedStatement p = db.prepareStatement("INSERT INTO message_probabilities(message_id, data) VALUES (?, ?) "
                + "ON CONFLICT(message_id) DO UPDATE SET data = excluded.data")) {
            p.setLong(1, messageId);
            p.setBytes(2, ReplyProbabilitiesCodec.encode(probabilities));
            p.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot save the probabilities of message " + messageId, e);
        }
    }

    /** The probabilities kept for a message; empty when none were (or they cannot be read any more). */
    public synchronized Optional<ReplyProbabilities> probabilities(long messageId) {
        try (PreparedStatement p = db.prepareStatement("SELECT data FROM message_probabilities WHERE message_id = ?")) {
            p.setLong(1, messageId);
            try (ResultSet r = p.executeQuery()) {
                if (!r.next()) {
                    return Optional.empty();
                }
                try {
                    return Optional.of(ReplyProbabilitiesCodec.decode(r.getBytes(1)));
                } catch (IllegalArgumentException damaged) {
                    return Optional.empty(); // the message itself still opens
                }
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the probabilities of message " + messageId, e);
        }
    }

    /** Ids of the messages of a conversation that have probabilities kept. */
    public synchronized java.util.Set<Long> messagesWithProbabilities(long conversationId) {
        try (PreparedStatement p = db.prepareStatement("SELECT m.id FROM messages m JOIN message_probabilities p "
                + "ON p.message_id = m.id WHERE m.conversation_id = ?")) {
            p.setLong(1, conversationId);
            java.util.Set<Long> out = new java.util.HashSet<>();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(r.getLong(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("cannot list recorded messages", e);
        }
    }

    // ---- settings ----

    public synchronized Optional<String> setting(String key) {
        try (PreparedStatement p = db.prepareStatement("SELECT value FROM settings WHERE key = ?")) {
            p.setString(1, key);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read setting " + key, e);
        }
    }

    public synchronized void putSetting(String key, String value) {
        update("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                key, value);
    }

    public String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public <T> T fromJson(String text, Class<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("unreadable " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    private Conversation conversation(ResultSet r) throws SQLException {
        ConversationSettings settings;
        try {
            settings = fromJson(r.getString("settings"), ConversationSettings.class);
        } catch (IllegalArgumentException e) {
            settings = ConversationSettings.defaults(); // an older or damaged row still opens
        }
        return new Conversation(r.getLong("id"), r.getString("title"), r.getInt("pinned") != 0,
                r.getLong("created_at"), r.getLong("last_used_at"), r.getLong("active_leaf"), settings);
    }

    private void update(String sql, Object... args) {
        try (PreparedStatement p = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setObject(i + 1, args[i]);
            }
            p.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot update the database", e);
        }
    }

    private static long generatedId(PreparedStatement p) throws SQLException {
        try (ResultSet keys = p.getGeneratedKeys()) {
            keys.next();
            return keys.getLong(1);
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new StoreException("cannot close the database", e);
        }
    }
}
