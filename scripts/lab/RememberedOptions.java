package lab;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The options a tool's picocli model had last time, so that the next run can skip picocli.
 *
 * <p>Picocli builds a command's model by reflection, and in a cold JVM that takes 100-200 ms:
 * more than the rest of pong until "Listen on" (its jar is Java 5 bytecode, which no class-data
 * archive holds). A lab starts dozens of tools, so after a run through picocli {@link Cli} writes
 * the model down beside the tool's jar (one line per option: its names, field, kind, default).
 * A later run whose arguments are only those options, as {@code --name value}, {@code --name=value}
 * or a flag, each at most once, and at most one plain positional value, is bound from the record
 * without loading picocli. Anything else (help, an unknown or repeated option, a value a converter
 * rejects, a record for another build of the jar) goes through picocli, so that every message
 * stays picocli's. Reading the record never changes a result: both ways set the same fields.
 */
final class RememberedOptions {
    private static final String HEADER = "localhost-lab remembered options 1";

    /** How a value becomes a field's value; only what both ways convert alike is remembered. */
    private enum Kind { FLAG, STRING, INT, PORT, PATH, HELP }

    /**
     * One option or positional: where it goes, how it converts, and its default (null: none).
     * A plain class, not a record: a record's hashCode costs a cold JVM a method-handle bootstrap.
     */
    private static final class Entry {
        final List<String> names;
        final String owner, field, defaultValue;
        final Kind kind;

        Entry(List<String> names, String owner, String field, Kind kind, String defaultValue) {
            this.names = names;
            this.owner = owner;
            this.field = field;
            this.kind = kind;
            this.defaultValue = defaultValue;
        }
    }

    private RememberedOptions() {}

    /** The command's name when the record bound every argument to the tool's fields (its mixins' too), else empty: then picocli decides. */
    static Optional<String> bind(Object tool, String[] args) {
        Map<String, Entry> options = new HashMap<>();
        List<Entry> all = new ArrayList<>();
        Entry positional = null;
        String name;
        try {
            Path jar = jarOf(tool.getClass());
            if (jar == null) return Optional.empty();
            List<String> lines = Files.readAllLines(recordOf(jar, tool.getClass()), StandardCharsets.UTF_8); // none yet: IOException
            if (lines.size() < 3 || !lines.get(0).equals(HEADER) || !lines.get(1).equals(stamp(jar, tool.getClass()))) return Optional.empty();
            name = lines.get(2);
            for (String line : lines.subList(3, lines.size())) {
                String[] f = line.split("\t", -1);
                if (f.length != 6) return Optional.empty();
                Entry e = new Entry(List.of(f[1].split(",")), f[2], f[3], Kind.valueOf(f[4]), f[5].equals("none") ? null : f[5].substring(1));
                all.add(e);
                if (f[0].equals("positional")) positional = e;
                else for (String n : e.names) options.put(n, e);
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // unreadable, foreign or from an older kit: picocli reads the arguments
        }
        Map<Entry, String> given = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-")) {
                if (positional == null || given.containsKey(positional)) return Optional.empty();
                given.put(positional, arg);
                continue;
            }
            int equals = arg.indexOf('=');
            Entry e = options.get(equals > 0 ? arg.substring(0, equals) : arg);
            if (e == null || e.kind == Kind.HELP || given.containsKey(e)) return Optional.empty();
            if (e.kind == Kind.FLAG) {
                if (equals > 0) return Optional.empty();
                given.put(e, "true");
            } else if (equals > 0) {
                given.put(e, arg.substring(equals + 1));
            } else {
                if (i + 1 == args.length || args[i + 1].startsWith("-")) return Optional.empty();
                given.put(e, args[++i]);
            }
        }
        // Every value is converted and every field found before the first is set: picocli, if it
        // takes over, must find the tool as it was made.
        Map<Field, Object> values = new HashMap<>();
        Map<Field, Field> mixinOf = new HashMap<>(); // a mixin's option field -> the tool's field holding the mixin
        try {
            for (Entry e : all) {
                if (e.kind == Kind.HELP) continue;
                Field field = field(tool.getClass(), e, mixinOf); // every mixin is made, as picocli does
                String text = given.containsKey(e) ? given.get(e) : e.defaultValue;
                if (text != null) values.put(field, convert(e.kind, text));
            }
            for (Field mixin : new java.util.HashSet<>(mixinOf.values())) {
                if (mixin.get(tool) == null) {
                    var make = mixin.getType().getDeclaredConstructor();
                    make.setAccessible(true);
                    mixin.set(tool, make.newInstance()); // as picocli makes a mixin
                }
            }
            for (Map.Entry<Field, Object> v : values.entrySet()) {
                Field mixin = mixinOf.get(v.getKey());
                v.getKey().set(mixin == null ? tool : mixin.get(tool), v.getValue());
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Optional.empty(); // a value picocli would reject: let it say why
        }
        return Optional.of(name);
    }

    private static Object convert(Kind kind, String text) {
        return switch (kind) {
            case FLAG -> Boolean.parseBoolean(text);
            case STRING -> text;
            case INT -> {
                if (!text.matches("-?[0-9]{1,9}")) throw new IllegalArgumentException(text);
                yield Integer.parseInt(text);
            }
            case PORT -> Resolving.port(text);
            case PATH -> Path.of(text);
            case HELP -> throw new IllegalArgumentException("help is picocli's");
        };
    }

    /** The field an entry sets: the tool's own, or a mixin's (then noted in {@code mixinOf}). */
    private static Field field(Class<?> tool, Entry e, Map<Field, Field> mixinOf) throws ReflectiveOperationException {
        if (e.owner.equals(tool.getName())) return accessible(tool.getDeclaredField(e.field));
        for (Field mixin : tool.getDeclaredFields()) {
            if (mixin.getType().getName().equals(e.owner)) {
                Field field = accessible(mixin.getType().getDeclaredField(e.field));
                mixinOf.put(field, accessible(mixin));
                return field;
            }
        }
        throw new NoSuchFieldException(e.owner);
    }

    private static Field accessible(Field field) {
        field.setAccessible(true);
        return field;
    }

    /**
     * Writing the record, after picocli parsed: the only code that names picocli's model. It is a class of
     * its own because a class's methods are verified together when it is first used, and the verifier loads
     * every class it must compare (OptionSpec to ArgSpec, here): in the class that binds, that opened
     * picocli's jar on every start, and took 5 ms of pong's 45 until "Listen on" (measured here).
     */
    static final class FromPicocli {
        private FromPicocli() {}

        /** Writes the record for this model, when every option is of a kind both ways read alike; never fails the tool. */
        static void remember(CommandSpec spec) {
            try {
                Class<?> tool = spec.userObject().getClass();
                Path jar = jarOf(tool);
                if (jar == null || !spec.subcommands().isEmpty() || !spec.argGroups().isEmpty()
                        || !spec.unmatchedArgsBindings().isEmpty() || spec.positionalParameters().size() > 1) return;
                Path file = recordOf(jar, tool);
                List<String> lines = new ArrayList<>(List.of(HEADER, stamp(jar, tool), spec.name()));
                for (OptionSpec o : spec.options()) {
                    Optional<String> line = line("option", o, List.of(o.names()), o.usageHelp() || o.versionHelp());
                    if (line.isEmpty()) return;
                    lines.add(line.get());
                }
                for (PositionalParamSpec p : spec.positionalParameters()) {
                    if (p.arity().max() != 1) return;
                    Optional<String> line = line("positional", p, List.of(p.paramLabel()), false);
                    if (line.isEmpty()) return;
                    lines.add(line.get());
                }
                String text = String.join("\n", lines) + "\n";
                if (Files.isRegularFile(file) && Files.readString(file, StandardCharsets.UTF_8).equals(text)) return;
                Path temporary = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
                Files.writeString(temporary, text, StandardCharsets.UTF_8);
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                // a read-only kit, or a model this fast path does not cover: picocli every time
            }
        }

        private static Optional<String> line(String what, ArgSpec arg, List<String> names, boolean help) {
            if (!(arg.userObject() instanceof Field field) || arg.splitRegex().length() > 0 || arg.interactive()) return Optional.empty();
            if (arg instanceof OptionSpec o && (o.negatable() || o.fallbackValue().length() > 0)) return Optional.empty();
            String defaultValue = arg.defaultValue();
            if (defaultValue != null && (defaultValue.contains("${") || defaultValue.contains("\t") || defaultValue.contains("\n"))) return Optional.empty();
            Kind kind = help ? Kind.HELP : kind(arg);
            if (kind == null) return Optional.empty();
            return Optional.of(String.join("\t", what, String.join(",", names), field.getDeclaringClass().getName(), field.getName(),
                    kind.name(), defaultValue == null ? "none" : "=" + defaultValue));
        }

        private static Kind kind(ArgSpec arg) {
            Class<?> type = arg.type();
            var converters = arg.converters();
            boolean flag = arg.arity().max() == 0;
            if (converters.length == 1 && converters[0] instanceof Cli.Port && arg.arity().max() == 1) return Kind.PORT;
            if (converters.length > 0) return null;
            if (flag) return type == boolean.class || type == Boolean.class ? Kind.FLAG : null;
            if (arg.arity().max() != 1) return null;
            if (type == String.class) return Kind.STRING;
            if (type == int.class || type == Integer.class) return Kind.INT;
            if (type == Path.class) return Kind.PATH;
            return null;
        }
    }

    /** The jar the tool was loaded from (JBang's build of it), or null when it came from elsewhere. */
    private static Path jarOf(Class<?> tool) {
        try {
            var source = tool.getProtectionDomain().getCodeSource();
            if (source == null) return null;
            Path jar = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(jar) ? jar : null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** Beside the jar, one per tool (one jar may hold several); a moved kit has another folder. */
    private static Path recordOf(Path jar, Class<?> tool) {
        return jar.resolveSibling(jar.getFileName() + "." + tool.getName() + ".options");
    }

    /** Which build of the tool the record describes: a rebuilt jar has another size or time. */
    private static String stamp(Path jar, Class<?> tool) throws IOException {
        return tool.getName() + " " + Files.size(jar) + " " + Files.getLastModifiedTime(jar).toMillis();
    }
}
