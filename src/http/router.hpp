// Router: matches method + path to a handler, with `:name` path parameters and a trailing
// `*name` catch-all. Static segments win over parameters, so `/users/me` and `/users/:id`
// can both be registered in any order.
//
// Handlers are plain synchronous functions. The server runs the whole pipeline (auth,
// handler) on the worker pool, so a handler may block on the database; API areas stay free
// of Asio and coroutines and can be tested without sockets.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/request.hpp"
#include "http/response.hpp"

namespace sp::http {

using Handler = std::function<Response(Request&)>;

// Who may call a route. kUser means any authenticated caller; the handler's service still
// authorises the resource itself.
enum class Access { kPublic, kUser, kOperator, kAdmin };

struct Route {
  Method method = Method::kGet;
  std::string pattern;
  Access access = Access::kUser;
  // API-key scope family, e.g. "users": GET needs users:read, writes need users:write.
  std::string scope;
  Handler handler;
};

class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Throws std::logic_error on a duplicate route: that is a programming error.
  void Add(Route route);

  struct Match {
    const Route* route = nullptr;  // null: no route
    bool path_known = false;       // path exists with other methods (405)
    std::string allow;             // those methods, for the Allow header
    std::map<std::string, std::string, std::less<>> params;
  };
  Match Find(Method method, std::string_view path) const;

  const std::vector<const Route*>& Routes() const { return all_; }

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  std::vector<const Route*> all_;
};

// Registers routes under a common prefix and scope family; the way each area adds routes.
class RouteGroup {
 public:
  RouteGroup(Router& router, std::string prefix, std::string scope)
      : router_(router), prefix_(std::move(prefix)), scope_(std::move(scope)) {}

  RouteGroup& Get(std::string_view pattern, Handler h, Access a = Access::kUser);
  RouteGroup& Post(std::string_view pattern, Handler h, Access a = Access::kUser);
  RouteGroup& Put(std::string_view pattern, Handler h, Access a = Access::kUser);
  RouteGroup& Patch(std::string_view pattern, Handler h, Access a = Access::kUser);
  RouteGroup& Delete(std::string_view pattern, Handler h, Access a = Access::kUser);
  RouteGroup& Add(Method m, std::string_view pattern, Handler h, Access a);

 private:
  Router& router_;
  std::string prefix_;
  std::string scope_;
};

}  // namespace sp::http
