// WebApp: serves the built web UI (web/, a single-page app) at `/`. A path naming a file of
// the build answers that file; any other page path answers index.html, so that deep links
// such as /sessions/<id> load the app, which routes them itself. API paths never reach it.
#pragma once

#include <string>

#include "http/request.hpp"
#include "http/response.hpp"

namespace sp::web {

class WebApp {
 public:
  // `dir` holds index.html and assets/ as Vite builds them.
  explicit WebApp(std::string dir) : dir_(std::move(dir)) {}

  // For GET and HEAD requests no route matched.
  http::Response Serve(const http::Request& request) const;

 private:
  std::string dir_;
};

}  // namespace sp::web
