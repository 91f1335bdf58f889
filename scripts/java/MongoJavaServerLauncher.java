import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.ServerVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;

/**
 * Starts mongo-java-server (in memory) on HOST:PORT, prints "listening PORT",
 * and exits when its standard input closes, so it never outlives the process that started it.
 */
public final class MongoJavaServerLauncher {
  public static void main(String[] args) throws Exception {
    String host = args.length > 0 ? args[0] : "127.0.0.1";
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    MongoServer server = new MongoServer(new MemoryBackend().version(ServerVersion.MONGO_5_0));
    server.bind(host, port);
    InetSocketAddress address = server.getLocalAddress();
    System.out.println("listening " + address.getPort());
    System.out.flush();
    while (System.in.read() != -1) {
      // drain until the parent goes away
    }
    server.shutdownNow();
    System.exit(0);
  }
}
