// localhost-lab's start-up, run by the kernel and by the player before the first cell.
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import lab.*;
Lifelines.followJupyter(); // a kernel, and the servers it started, go when Jupyter goes
