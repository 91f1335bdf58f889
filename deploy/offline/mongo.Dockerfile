# Offline stand-in for the official `mongo` image: mongo-java-server (the MongoDB-protocol server
# the tests use, kept in an H2 file under /data/db), for machines that cannot pull images.
# Built by deploy/compose.offline.yml; the real deployment uses `mongo`.
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
# The JDK's post-install step needs the man folder that slim images leave out.
RUN mkdir -p /usr/share/man/man1 \
    && apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends default-jdk-headless maven >/dev/null \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/java/pom.xml scripts/java/MongoJavaServerLauncher.java ./
RUN mvn -q -B -f pom.xml dependency:copy-dependencies -DoutputDirectory=/opt/mongo-java-server/lib \
    && javac -cp '/opt/mongo-java-server/lib/*' -d /opt/mongo-java-server/classes MongoJavaServerLauncher.java

FROM ${BASE_IMAGE}
RUN mkdir -p /usr/share/man/man1 \
    && apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 999 --home-dir /data mongodb \
    && mkdir -p /data/db && chown mongodb /data/db
COPY --from=build /opt/mongo-java-server /opt/mongo-java-server
USER mongodb
ENV MONGO_JAVA_SERVER_FOREGROUND=1
EXPOSE 27017
CMD ["java", "-Xss512k", "-Xmx256m", "-cp", "/opt/mongo-java-server/lib/*:/opt/mongo-java-server/classes", "MongoJavaServerLauncher", "0.0.0.0", "27017", "/data/db/store.h2"]
