// streamspace: the control plane (`serve`). Parses the command line and hands over.
#include <csignal>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/agent.hpp"
#include "app/serve.hpp"
#include "common/log.hpp"

namespace {

int Run(int argc, char** argv) {
  // A peer that hangs up must cost a write error, never the process (children get the
  // default disposition back when they are spawned).
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App cli{"StreamSpace: stream desktop applications to the browser"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", std::string("streamspace ") + SP_VERSION);

  sp::config::ServeOverrides o;
  auto* serve = cli.add_subcommand("serve", "Run the control plane (API, web UI, local agent)");
  auto opt = [&](const char* flag, std::optional<std::string>& target, const char* env,
                 const char* help) {
    serve
        ->add_option_function<std::string>(
            flag, [&target](const std::string& v) { target = v; }, help)
        ->envname(env);
  };
  opt("--listen", o.listen, "STREAMSPACE_LISTEN",
      "HOST:PORT to listen on (default 127.0.0.1:8080)");
  opt("--data-dir", o.data_dir, "STREAMSPACE_DATA_DIR", "Data directory (default ./data)");
  opt("--database", o.database_url, "STREAMSPACE_DATABASE_URL",
      "sqlite://PATH or postgresql://USER:PASS@HOST:PORT/DB (default SQLite in the data dir)");
  opt("--config", o.config_file, "STREAMSPACE_CONFIG", "YAML configuration file");
  opt("--log-level", o.log_level, "STREAMSPACE_LOG_LEVEL", "trace|debug|info|warn|error");
  opt("--web-dir", o.web_dir, "STREAMSPACE_WEB_DIR",
      "Web assets: app/ (the web UI) and swagger-ui/ (default share/streamspace/web by the "
      "binary)");
  serve
      ->add_option_function<double>(
          "--rate-limit", [&o](double v) { o.rate_limit_per_second = v; },
          "Requests per second per client address (0 disables; default 50)")
      ->envname("STREAMSPACE_RATE_LIMIT");
  serve
      ->add_option_function<double>(
          "--rate-burst", [&o](double v) { o.rate_limit_burst = v; },
          "Burst size of the per-client limit (default 200)")
      ->envname("STREAMSPACE_RATE_BURST");
  serve
      ->add_option_function<uint64_t>(
          "--max-body-bytes", [&o](uint64_t v) { o.max_body_bytes = v; },
          "Largest request body accepted (default 1048576)")
      ->envname("STREAMSPACE_MAX_BODY_BYTES");
  serve
      ->add_option_function<int>(
          "--workers", [&o](int v) { o.worker_threads = v; },
          "Worker threads for blocking work (default 4 per core)")
      ->envname("STREAMSPACE_WORKERS");

  serve
      ->add_option_function<int>(
          "--agent-heartbeat-interval", [&o](int v) { o.agent_heartbeat_interval_s = v; },
          "Seconds between agent heartbeats; 3 missed: degraded, 6: offline (default 10)")
      ->envname("STREAMSPACE_AGENT_HEARTBEAT_INTERVAL");
  serve
      ->add_option_function<int>(
          "--idle-check-interval", [&o](int v) { o.idle_check_interval_s = v; },
          "Seconds between looks for idle sessions to hibernate (default 15)")
      ->envname("STREAMSPACE_IDLE_CHECK_INTERVAL");
  serve
      ->add_option_function<int>(
          "--connect-token-ttl", [&o](int v) { o.connect_token_ttl_s = v; },
          "Seconds a viewer URL from /connect stays usable (default 120)")
      ->envname("STREAMSPACE_CONNECT_TOKEN_TTL");
  serve->add_flag_function(
      "--no-local-agent", [&o](int64_t) { o.local_agent = false; },
      "Do not run the built-in local agent");

  sp::config::AgentCommandConfig a;
  auto* agent =
      cli.add_subcommand("agent", "Run an agent that takes sessions from a control plane");
  agent->add_option("--platform", a.platform, "local, docker or kubernetes")
      ->envname("STREAMSPACE_AGENT_PLATFORM")
      ->check(CLI::IsMember({"local", "docker", "kubernetes"}));
  agent
      ->add_option("--docker-host", a.docker_host,
                   "docker platform: the engine's socket, unix:///var/run/docker.sock or "
                   "podman's")
      ->envname("DOCKER_HOST");
  agent
      ->add_option("--kubeconfig", a.kubeconfig,
                   "kubernetes platform: kubeconfig file (default: the pod's service account)")
      ->envname("KUBECONFIG");
  agent
      ->add_option("--kube-namespace", a.kube_namespace,
                   "kubernetes platform: namespace for sessions (default: the service account's "
                   "or the context's)")
      ->envname("STREAMSPACE_KUBE_NAMESPACE");
  agent
      ->add_option("--kube-storage-class", a.kube_storage_class,
                   "kubernetes platform: storage class of home claims (default: the cluster's)")
      ->envname("STREAMSPACE_KUBE_STORAGE_CLASS");
  agent
      ->add_option("--kube-home-size", a.kube_home_size,
                   "kubernetes platform: size of each home claim (default 1Gi)")
      ->envname("STREAMSPACE_KUBE_HOME_SIZE");
  agent
      ->add_option("--control-plane", a.control_plane,
                   "Control plane URL, http://HOST:PORT or https://HOST:PORT")
      ->envname("STREAMSPACE_CONTROL_PLANE");
  agent
      ->add_option("--ca-file", a.ca_file,
                   "https: PEM file of the CAs to trust instead of the system's")
      ->envname("STREAMSPACE_AGENT_CA_FILE");
  agent->add_option("--agent-id", a.agent_id, "This agent's name, as registered")
      ->envname("STREAMSPACE_AGENT_ID");
  agent->add_option("--key", a.key, "Agent key given at approval (prefer STREAMSPACE_AGENT_KEY)")
      ->envname("STREAMSPACE_AGENT_KEY");
  agent->add_option("--region", a.region, "Region label")->envname("STREAMSPACE_AGENT_REGION");
  agent->add_option("--data-dir", a.data_dir, "State directory (homes, sessions, journal)")
      ->envname("STREAMSPACE_AGENT_DATA_DIR");
  agent->add_option("--max-sessions", a.max_sessions, "Sessions this agent accepts")
      ->check(CLI::Range(1, 10000));
  agent->add_flag("--draining", a.draining, "Take no new sessions");
  agent->add_option("--heartbeat-interval", a.heartbeat_interval_s, "Seconds between heartbeats")
      ->check(CLI::Range(1, 300));
  agent->add_option("--log-level", a.log_level, "trace|debug|info|warn|error");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  // Secrets come from the environment only: flags show up in `ps`.
  if (const char* v = std::getenv("STREAMSPACE_JWT_SECRET"); v && *v) o.jwt_secret = v;
  if (const char* v = std::getenv("STREAMSPACE_ADMIN_PASSWORD"); v && *v) o.admin_password = v;

  if (serve->parsed()) {
    auto config = sp::config::ResolveServeConfig(o);
    if (!config) {
      std::cerr << "streamspace: " << config.error().message << "\n";
      return 2;
    }
    try {
      sp::SetupLogging(config->log_level);
    } catch (const std::exception& e) {
      std::cerr << "streamspace: " << e.what() << "\n";
      return 2;
    }
    return sp::app::Serve(*config);
  }
  if (agent->parsed()) {
    try {
      sp::SetupLogging(a.log_level);
    } catch (const std::exception& e) {
      std::cerr << "streamspace: " << e.what() << "\n";
      return 2;
    }
    return sp::app::RunAgent(a);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Serve and RunAgent report their own start-up failures; anything else that escapes (the
  // command-line setup, an unexpected error) is said plainly with a non-zero exit instead of
  // std::terminate's abort.
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "streamspace: " << e.what() << "\n";
    return 1;
  }
}
