#pragma once
// In-process nodes for the cross-node signaling tests: buses on one io_context whose messages reach the other
// node's handler by a post, in the order sent, with the held seats in memory. The real bus (Redis) has its own tests
// (tests/unit/cluster) and the cluster tests run the real thing end to end (tests/cluster); this one lets the
// signaling rules across nodes be tested deterministically, including a node that dies and a bus that is down.
// Thread safety: the test's thread only.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "cluster/bus.hpp"

namespace hearth::signaling::test {

class FakeBus;

struct FakeNetwork {
  std::map<std::string, FakeBus*, std::less<>> nodes;
  std::set<std::string, std::less<>> dead;  // stopped heartbeats
  std::map<std::string, std::set<std::string>, std::less<>> held;
  bool up = true;
  std::size_t messages = 0;
};

class FakeBus final : public cluster::Bus {
 public:
  FakeBus(boost::asio::io_context& ioc, FakeNetwork& net, std::string id) : ioc_(ioc), net_(net), id_(std::move(id)) {
    net_.nodes[id_] = this;
  }
  ~FakeBus() override { net_.nodes.erase(id_); }

  const std::string& node_id() const noexcept override { return id_; }
  bool send(std::string_view to_node, std::string message) override {
    if (!net_.up) return false;
    ++net_.messages;
    boost::asio::post(ioc_, [this, to = std::string(to_node), message = std::move(message)] {
      const auto it = net_.nodes.find(to);
      if (it == net_.nodes.end() || net_.dead.contains(to) || !it->second->handler_) return;  // lost, as to a dead node
      it->second->handler_(id_, message);
    });
    return true;
  }
  bool broadcast(std::string message) override {
    if (!net_.up) return false;
    for (const auto& node : alive_nodes()) send(node, message);
    return true;
  }
  bool up() const noexcept override { return net_.up; }
  std::vector<std::string> alive_nodes() const override {
    std::vector<std::string> out;
    for (const auto& [id, bus] : net_.nodes)
      if (id != id_ && !net_.dead.contains(id)) out.push_back(id);
    return out;
  }
  void on_message(MessageHandler handler) override { handler_ = std::move(handler); }
  void on_state(StateHandler) override {}
  void start() override {}
  void stop() override {}
  void hold(std::string item) override {
    if (net_.up) net_.held[id_].insert(std::move(item));
  }
  void release(std::string item) override {
    if (net_.up) net_.held[id_].erase(item);
  }
  void take_held(std::string node, std::size_t limit, HeldHandler done) override {
    std::vector<std::string> items;
    if (net_.up) {
      auto& set = net_.held[node];
      while (!set.empty() && items.size() < limit) items.push_back(set.extract(set.begin()).value());
    }
    boost::asio::post(ioc_, [done = std::move(done), items = std::move(items)]() mutable { done(std::move(items)); });
  }

 private:
  boost::asio::io_context& ioc_;
  FakeNetwork& net_;
  std::string id_;
  MessageHandler handler_;
};

}  // namespace hearth::signaling::test
