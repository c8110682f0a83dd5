// streamspace: the control plane (`serve`). Parses the command line and hands over.
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/serve.hpp"
#include "common/log.hpp"

int main(int argc, char** argv) {
  CLI::App cli{"StreamSpace: stream desktop applications to the browser"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", std::string("streamspace ") + SP_VERSION);

  sp::config::ServeOverrides o;
  auto* serve = cli.add_subcommand("serve", "Run the control plane (API, web UI, local agent)");
  auto opt = [&](const char* flag, std::optional<std::string>& target, const char* env,
                 const char* help) {
    serve->add_option_function<std::string>(flag, [&target](const std::string& v) { target = v; },
                                            help)
        ->envname(env);
  };
  opt("--listen", o.listen, "STREAMSPACE_LISTEN", "HOST:PORT to listen on (default 127.0.0.1:8080)");
  opt("--data-dir", o.data_dir, "STREAMSPACE_DATA_DIR", "Data directory (default ./data)");
  opt("--database", o.database_url, "STREAMSPACE_DATABASE_URL",
      "sqlite://PATH or postgresql://USER:PASS@HOST:PORT/DB (default SQLite in the data dir)");
  opt("--config", o.config_file, "STREAMSPACE_CONFIG", "YAML configuration file");
  opt("--log-level", o.log_level, "STREAMSPACE_LOG_LEVEL", "trace|debug|info|warn|error");
  serve->add_option_function<double>(
           "--rate-limit", [&o](double v) { o.rate_limit_per_second = v; },
           "Requests per second per client address (0 disables; default 50)")
      ->envname("STREAMSPACE_RATE_LIMIT");
  serve->add_option_function<double>(
           "--rate-burst", [&o](double v) { o.rate_limit_burst = v; },
           "Burst size of the per-client limit (default 200)")
      ->envname("STREAMSPACE_RATE_BURST");
  serve->add_option_function<uint64_t>(
           "--max-body-bytes", [&o](uint64_t v) { o.max_body_bytes = v; },
           "Largest request body accepted (default 1048576)")
      ->envname("STREAMSPACE_MAX_BODY_BYTES");
  serve->add_option_function<int>("--workers", [&o](int v) { o.worker_threads = v; },
                                   "Worker threads for blocking work (default 4 per core)")
      ->envname("STREAMSPACE_WORKERS");

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
  return 0;
}
