package dev.venom.core.http.internal.auth;

import java.util.Set;

/**
 * How a server is exposed: the API keys requests must carry (null for none) and which role each needs, the
 * host names requests may name (empty for any), and the origins whose pages may use the API.
 */
public record Exposure(ApiKeys keys, Access access, Set<String> hosts, Set<String> origins) {

    public Exposure {
        hosts = Set.copyOf(hosts);
        origins = Set.copyOf(origins);
    }
}
