import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.ServerVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;

/**
 * Starts mongo-java-server on HOST:PORT, in memory or, given a third argument, kept in that H2
 * file; prints "listening PORT" and exits when its standard input closes, so it never outlives
 * the process that started it. With MONGO_JAVA_SERVER_FOREGROUND=1 (a container, whose standard
 * input is closed from the start) it runs until it is stopped by a signal instead.
 */
public final class MongoJavaServerLauncher {
  public static void main(String[] args) throws Exception {
    String host = args.length > 0 ? args[0] : "127.0.0.1";
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    MongoBackend backend = args.length > 2 ? new H2Backend(args[2]) : new MemoryBackend();
    MongoServer server = new MongoServer(backend.version(ServerVersion.MONGO_5_0));
    server.bind(host, port);
    // A SIGTERM also closes the store cleanly (H2 writes its last second of changes on close).
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    InetSocketAddress address = server.getLocalAddress();
    System.out.println("listening " + address.getPort());
    System.out.flush();
    if ("1".equals(System.getenv("MONGO_JAVA_SERVER_FOREGROUND"))) {
      Thread.currentThread().join();
    }
    while (System.in.read() != -1) {
      // drain until the parent goes away
    }
    System.exit(0); // runs the shutdown hook
  }
}
