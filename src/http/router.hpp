#pragma once
// Matches "METHOD /path" against routes with ":param" segments. Distinguishes an unknown path (404) from a
// known path with another method (405, with the Allow list).
// Thread safety: built once at start, then read-only.
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/verb.hpp>

namespace hearth::http {

using Params = std::vector<std::pair<std::string_view, std::string_view>>;  // views into pattern and path

template <class Handler>
class Router {
 public:
  void add(boost::beast::http::verb method, std::string pattern, Handler handler) {
    routes_.push_back(Route{method, split(pattern), std::move(pattern), std::move(handler)});
    for (auto& r : routes_) r.segments = split(r.pattern);  // re-split: pattern strings may have moved
  }

  struct Match {
    const Handler* handler = nullptr;  // null: see path_known
    Params params;
    bool path_known = false;  // some route has this path (so 405, not 404)
    std::string allow;        // methods of that path, for the Allow header
    // The matched route's pattern (the metrics label); empty when no handler.
    std::string_view pattern;
  };

  Match match(boost::beast::http::verb method, std::string_view path) const {
    Match m;
    const auto parts = split(path);
    for (const auto& r : routes_) {
      Params params;
      if (!matches(r.segments, parts, params)) continue;
      m.path_known = true;
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += std::string(boost::beast::http::to_string(r.method));
      if (r.method == method && !m.handler) {
        m.handler = &r.handler;
        m.params = std::move(params);
        m.pattern = r.pattern;
      }
    }
    return m;
  }

 private:
  struct Route {
    boost::beast::http::verb method;
    std::vector<std::string_view> segments;
    std::string pattern;
    Handler handler;
  };

  static std::vector<std::string_view> split(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty()) {
      if (path.front() == '/') {
        path.remove_prefix(1);
        continue;
      }
      const auto end = path.find('/');
      out.push_back(path.substr(0, end));
      path = end == std::string_view::npos ? std::string_view{} : path.substr(end);
    }
    return out;
  }

  static bool matches(const std::vector<std::string_view>& pattern, const std::vector<std::string_view>& parts,
                      Params& params) {
    if (pattern.size() != parts.size()) return false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i].starts_with(':')) {
        params.emplace_back(pattern[i].substr(1), parts[i]);
      } else if (pattern[i] != parts[i]) {
        return false;
      }
    }
    return true;
  }

  std::vector<Route> routes_;
};

}  // namespace hearth::http
