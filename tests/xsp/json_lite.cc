#include "tests/xsp/json_lite.h"

#include <cstdlib>

namespace hotdesk::xsp::testing {
namespace {

const Json& Null() {
  static const Json n;
  return n;
}

struct Parser {
  const std::string& s;
  size_t i = 0;
  std::string err;

  void Ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
  }
  bool Fail(const std::string& m) {
    if (err.empty()) err = m + " at " + std::to_string(i);
    return false;
  }
  bool String(std::string* out) {
    if (s[i] != '"') return Fail("expected string");
    ++i;
    while (i < s.size() && s[i] != '"') {
      char c = s[i++];
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (i >= s.size()) return Fail("bad escape");
      char e = s[i++];
      switch (e) {
        case 'n':
          *out += '\n';
          break;
        case 'r':
          *out += '\r';
          break;
        case 't':
          *out += '\t';
          break;
        case 'u': {
          if (i + 4 > s.size()) return Fail("bad \\u");
          int code = std::strtol(s.substr(i, 4).c_str(), nullptr, 16);
          i += 4;
          if (code < 0x80) {
            *out += static_cast<char>(code);
          } else if (code < 0x800) {
            *out += static_cast<char>(0xC0 | (code >> 6));
            *out += static_cast<char>(0x80 | (code & 0x3F));
          } else {
            *out += static_cast<char>(0xE0 | (code >> 12));
            *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            *out += static_cast<char>(0x80 | (code & 0x3F));
          }
          break;
        }
        default:
          *out += e;
      }
    }
    if (i >= s.size()) return Fail("unterminated string");
    ++i;
    return true;
  }
  bool Value(Json* v) {
    Ws();
    if (i >= s.size()) return Fail("unexpected end");
    char c = s[i];
    if (c == '{') {
      v->type = Json::kObject;
      ++i;
      Ws();
      if (s[i] == '}') return ++i, true;
      while (true) {
        Ws();
        std::string key;
        if (!String(&key)) return false;
        Ws();
        if (s[i] != ':') return Fail("expected :");
        ++i;
        if (!Value(&v->obj[key])) return false;
        Ws();
        if (s[i] == ',') {
          ++i;
          continue;
        }
        if (s[i] == '}') return ++i, true;
        return Fail("expected , or }");
      }
    }
    if (c == '[') {
      v->type = Json::kArray;
      ++i;
      Ws();
      if (s[i] == ']') return ++i, true;
      while (true) {
        v->arr.emplace_back();
        if (!Value(&v->arr.back())) return false;
        Ws();
        if (s[i] == ',') {
          ++i;
          continue;
        }
        if (s[i] == ']') return ++i, true;
        return Fail("expected , or ]");
      }
    }
    if (c == '"') {
      v->type = Json::kString;
      return String(&v->str);
    }
    if (s.compare(i, 4, "true") == 0) {
      v->type = Json::kBool;
      v->b = true;
      i += 4;
      return true;
    }
    if (s.compare(i, 5, "false") == 0) {
      v->type = Json::kBool;
      i += 5;
      return true;
    }
    if (s.compare(i, 4, "null") == 0) {
      i += 4;
      return true;
    }
    char* end = nullptr;
    v->num = std::strtod(s.c_str() + i, &end);
    if (end == s.c_str() + i) return Fail("unexpected character");
    v->type = Json::kNumber;
    i = end - s.c_str();
    return true;
  }
};

}  // namespace

const Json& Json::operator[](const std::string& key) const {
  auto it = obj.find(key);
  return it == obj.end() ? Null() : it->second;
}

const Json& Json::operator[](size_t i) const { return i < arr.size() ? arr[i] : Null(); }

bool ParseJson(const std::string& text, Json* out, std::string* error) {
  Parser p{text, 0, ""};
  *out = Json();
  bool ok = p.Value(out);
  if (!ok && error) *error = p.err;
  return ok;
}

}  // namespace hotdesk::xsp::testing
