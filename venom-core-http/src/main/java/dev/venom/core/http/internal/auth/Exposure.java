package dev.venom.core.http.internal.auth;

import dev.venom.core.http.internal.LiveStreams;
import dev.venom.core.persistence.AuditTrail;
import java.util.Set;

/**
 * How a server is exposed: the API keys requests must carry (null for none) and which role each needs, the
 * host names requests may name (empty for any), the origins whose pages may use the API, and the audit trail
 * its changes and refusals are recorded in (null for none), and the requests a second each key (or client
 * address) may make (0 for no limit), and the caps on live event streams.
 */
public record Exposure(ApiKeys keys, Access access, Set<String> hosts, Set<String> origins, AuditTrail audit,
                       int rateLimit, LiveStreams streams) {

    public Exposure {
        hosts = Set.copyOf(hosts);
        origins = Set.copyOf(origins);
    }
}
