#include "agent/command_journal.hpp"

#include <fstream>

namespace sp::agent {

CommandJournal::CommandJournal(std::string path) : path_(std::move(path)) {
  if (path_.empty()) return;
  std::ifstream in(path_);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("id")) continue;  // a torn last line after a crash
    CommandOutcome o;
    o.ok = j.value("ok", false);
    o.result = j.value("result", nlohmann::json::object());
    o.error = j.value("error", "");
    done_[j["id"].get<std::string>()] = std::move(o);
  }
}

std::optional<CommandOutcome> CommandJournal::Find(const std::string& command_id) const {
  std::lock_guard lock(mu_);
  auto it = done_.find(command_id);
  if (it == done_.end()) return std::nullopt;
  return it->second;
}

bool CommandJournal::Begin(const std::string& command_id) {
  std::lock_guard lock(mu_);
  if (done_.count(command_id) != 0) return false;
  return running_.insert(command_id).second;
}

void CommandJournal::Finish(const std::string& command_id, const CommandOutcome& outcome) {
  std::lock_guard lock(mu_);
  running_.erase(command_id);
  done_[command_id] = outcome;
  if (path_.empty()) return;
  std::ofstream out(path_, std::ios::app);
  out << nlohmann::json{{"id", command_id},
                        {"ok", outcome.ok},
                        {"result", outcome.result},
                        {"error", outcome.error}}
             .dump()
      << "\n";
  out.flush();
}

size_t CommandJournal::size() const {
  std::lock_guard lock(mu_);
  return done_.size();
}

}  // namespace sp::agent
