/**
 * How the provider reaches one Windows container host. A host is plain data: it travels as a
 * resource input, so it must never hold a secret. Private keys and passwords are named here by
 * file path or by stack configuration key, and the provider reads them at run time.
 */
export interface HostSpec {
    /** Display name used in messages and ownership labels, for example `web-01`. */
    name: string;
    /** The Docker Engine API endpoint of the host. */
    docker: DockerEndpointSpec;
}

/**
 * A Docker Engine API endpoint.
 *
 * `url` takes one of these forms:
 * * `tcp://host:2376`: TLS with a client certificate (the usual remote Windows setup);
 * * `ssh://user@host[:port]`: the engine reached through `docker system dial-stdio` over SSH;
 * * `npipe:////./pipe/docker_engine`: the local named pipe, for an agent on the host itself;
 * * `unix:///var/run/docker.sock`: a local socket (Linux engines in tests);
 * * `sim:///abs/path/host.json`: the simulated Windows host whose state is in that file.
 */
export interface DockerEndpointSpec {
    url: string;
    /**
     * Docker Engine API version every request is pinned to. Set it to the lowest engine version
     * in the fleet.
     * @default "1.40"
     */
    apiVersion?: string;
    /**
     * Time limit for each Docker API call, in milliseconds.
     * @default 60000
     */
    timeoutMs?: number;
    /** TLS settings for `tcp://`. TLS is on for `tcp://` unless `tls.disabled` is set. */
    tls?: DockerTlsSpec;
    /** SSH settings for `ssh://`. */
    ssh?: DockerSshSpec;
}

/**
 * TLS material for a `tcp://` endpoint. Each item is a PEM file path or the name of a stack
 * configuration key (`wcn:<key>`, a secret for the private key) read in the provider's configure
 * step. A path or key name is not a secret, so it may sit in inputs and state.
 */
export interface DockerTlsSpec {
    caFile?: string;
    certFile?: string;
    keyFile?: string;
    /** Stack configuration key holding the CA certificate PEM. */
    caConfigKey?: string;
    /** Stack configuration key holding the client certificate PEM. */
    certConfigKey?: string;
    /** Stack configuration key holding the client private key PEM (keep it a secret). */
    keyConfigKey?: string;
    /**
     * Skip server certificate verification. Only for lab hosts: it exposes the connection to
     * interception.
     * @default false
     */
    insecureSkipVerify?: boolean;
    /**
     * Speak plain HTTP to a `tcp://` endpoint. The Docker API then carries full control of the
     * host unauthenticated, so this exists only for isolated labs and tests.
     * @default false
     */
    disabled?: boolean;
}

/** SSH settings for an `ssh://` endpoint. */
export interface DockerSshSpec {
    /** Private key file. */
    keyFile?: string;
    /** Stack configuration key holding the private key PEM (keep it a secret). */
    keyConfigKey?: string;
}
