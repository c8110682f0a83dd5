#include "http/router.hpp"

#include <map>
#include <stdexcept>

#include "common/strings.hpp"
#include "http/cookie_header.hpp"

namespace sp::http {

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kOther:
      return "OTHER";
  }
  return "OTHER";
}

struct Router::Node {
  std::unordered_map<std::string, std::unique_ptr<Node>> children;
  std::unique_ptr<Node> param_child;
  std::string param_name;
  std::unique_ptr<Node> catch_all;  // a leaf: *name
  std::string catch_all_name;
  std::map<Method, std::unique_ptr<Route>> routes;
};

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;

namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (std::string_view s : Split(path, '/')) {
    if (!s.empty()) out.push_back(s);
  }
  return out;
}

}  // namespace

void Router::Add(Route route) {
  Node* node = root_.get();
  for (std::string_view seg : Segments(route.pattern)) {
    if (seg.front() == ':') {
      if (!node->param_child) {
        node->param_child = std::make_unique<Node>();
        node->param_child->param_name = std::string(seg.substr(1));
      } else if (node->param_child->param_name != seg.substr(1)) {
        throw std::logic_error("conflicting parameter names at " + route.pattern);
      }
      node = node->param_child.get();
    } else if (seg.front() == '*') {
      if (!node->catch_all) {
        node->catch_all = std::make_unique<Node>();
        node->catch_all_name = std::string(seg.substr(1));
      }
      node = node->catch_all.get();
      break;
    } else {
      auto& child = node->children[std::string(seg)];
      if (!child) child = std::make_unique<Node>();
      node = child.get();
    }
  }
  if (node->routes.count(route.method) != 0) {
    throw std::logic_error("duplicate route " + std::string(MethodName(route.method)) + " " +
                           route.pattern);
  }
  auto owned = std::make_unique<Route>(std::move(route));
  all_.push_back(owned.get());
  node->routes[owned->method] = std::move(owned);
}

namespace {

struct Walker {
  const std::vector<std::string_view>& segs;
  std::string_view path;
  std::map<std::string, std::string, std::less<>> params;

  template <class NodeT>
  const NodeT* Walk(const NodeT* node, size_t i) {
    if (i == segs.size()) return node->routes.empty() ? nullptr : node;
    if (auto it = node->children.find(std::string(segs[i])); it != node->children.end()) {
      if (const NodeT* found = Walk(it->second.get(), i + 1)) return found;
    }
    if (node->param_child) {
      auto& slot = params[node->param_child->param_name];
      slot = std::string(segs[i]);
      if (const NodeT* found = Walk(node->param_child.get(), i + 1)) return found;
      params.erase(node->param_child->param_name);
    }
    if (node->catch_all) {
      // The rest of the path from this segment on, slashes included.
      const size_t offset = static_cast<size_t>(segs[i].data() - path.data());
      params[node->catch_all_name] = std::string(path.substr(offset));
      return node->catch_all.get();
    }
    return nullptr;
  }
};

}  // namespace

Router::Match Router::Find(Method method, std::string_view path) const {
  Match match;
  const auto segs = Segments(path);
  Walker walker{segs, path, {}};
  const Node* node = walker.Walk(root_.get(), 0);
  if (node == nullptr) return match;
  Method lookup = method == Method::kHead ? Method::kGet : method;
  if (auto it = node->routes.find(lookup); it != node->routes.end()) {
    match.route = it->second.get();
    match.params = std::move(walker.params);
    return match;
  }
  match.path_known = true;
  for (const auto& [m, r] : node->routes) {
    if (!match.allow.empty()) match.allow += ", ";
    match.allow += MethodName(m);
  }
  return match;
}

RouteGroup& RouteGroup::Add(Method m, std::string_view pattern, Handler h, Access a) {
  router_.Add(Route{m, prefix_ + std::string(pattern), a, scope_, std::move(h)});
  return *this;
}
RouteGroup& RouteGroup::Get(std::string_view p, Handler h, Access a) {
  return Add(Method::kGet, p, std::move(h), a);
}
RouteGroup& RouteGroup::Post(std::string_view p, Handler h, Access a) {
  return Add(Method::kPost, p, std::move(h), a);
}
RouteGroup& RouteGroup::Put(std::string_view p, Handler h, Access a) {
  return Add(Method::kPut, p, std::move(h), a);
}
RouteGroup& RouteGroup::Patch(std::string_view p, Handler h, Access a) {
  return Add(Method::kPatch, p, std::move(h), a);
}
RouteGroup& RouteGroup::Delete(std::string_view p, Handler h, Access a) {
  return Add(Method::kDelete, p, std::move(h), a);
}

std::string_view Request::Cookie(std::string_view name) const {
  return CookieValue(Header("cookie"), name);
}

std::string_view Request::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return {};
}

std::string_view Request::PathParam(std::string_view name) const {
  auto it = path_params.find(name);
  return it == path_params.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace sp::http
