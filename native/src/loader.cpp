// Snapshot loading: a small JSON reader, config.json, safetensors (single file or sharded),
// caller-provided buffers, dtype conversion and the fused weight layouts.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "internal.h"

namespace olmo {

// ---------------------------------------------------------------- JSON
namespace {
struct Json {
    enum Kind { Null, Bool, Num, Str, Arr, Obj } kind = Null;
    bool b = false;
    double num = 0;
    std::string str;
    std::vector<Json> arr;
    std::vector<std::pair<std::string, Json>> obj;
    const Json *find(const std::string &k) const {
        for (auto &kv : obj)
            if (kv.first == k) return &kv.second;
        return nullptr;
    }
};

class JsonParser {
  public:
    JsonParser(const char *p, const char *end, const std::string &what) : p_(p), end_(end), what_(what) {}
    Json parse() {
        Json v = value(0);
        ws();
        if (p_ != end_) err("trailing characters");
        return v;
    }

  private:
    const char *p_, *end_;
    std::string what_;
    [[noreturn]] void err(const std::string &m) { fail(OLMO_ERR_FORMAT, what_ + ": JSON " + m); }
    void ws() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
    }
    bool lit(const char *s) {
        size_t n = std::strlen(s);
        if (size_t(end_ - p_) >= n && std::memcmp(p_, s, n) == 0) {
            p_ += n;
            return true;
        }
        return false;
    }
    Json value(int depth) {
        if (depth > 64) err("nested too deeply");
        ws();
        if (p_ >= end_) err("unexpected end");
        Json v;
        char c = *p_;
        if (c == '{') {
            v.kind = Json::Obj;
            ++p_;
            ws();
            if (p_ < end_ && *p_ == '}') { ++p_; return v; }
            for (;;) {
                ws();
                if (p_ >= end_ || *p_ != '"') err("expected key");
                std::string k = string();
                ws();
                if (p_ >= end_ || *p_ != ':') err("expected ':'");
                ++p_;
                v.obj.emplace_back(std::move(k), value(depth + 1));
                ws();
                if (p_ < end_ && *p_ == ',') { ++p_; continue; }
                if (p_ < end_ && *p_ == '}') { ++p_; return v; }
                err("expected ',' or '}'");
            }
        } else if (c == '[') {
            v.kind = Json::Arr;
            ++p_;
            ws();
            if (p_ < end_ && *p_ == ']') { ++p_; return v; }
            for (;;) {
                v.arr.push_back(value(depth + 1));
                ws();
                if (p_ < end_ && *p_ == ',') { ++p_; continue; }
                if (p_ < end_ && *p_ == ']') { ++p_; return v; }
                err("expected ',' or ']'");
            }
        } else if (c == '"') {
            v.kind = Json::Str;
            v.str = string();
        } else if (lit("true")) {
            v.kind = Json::Bool; v.b = true;
        } else if (lit("false")) {
            v.kind = Json::Bool;
        } else if (lit("null")) {
            v.kind = Json::Null;
        } else {
            const char *s = p_;
            while (p_ < end_ && (std::strchr("+-.eE", *p_) || (*p_ >= '0' && *p_ <= '9'))) ++p_;
            if (s == p_) err("unexpected character");
            v.kind = Json::Num;
            v.num = std::strtod(std::string(s, p_).c_str(), nullptr);
        }
        return v;
    }
    std::string string() {
        ++p_;  // opening quote
        std::string out;
        while (p_ < end_ && *p_ != '"') {
            char c = *p_++;
            if (c != '\\') { out += c; continue; }
            if (p_ >= end_) err("bad escape");
            char e = *p_++;
            switch (e) {
                case 'n': out += '\n'; break;
                case 't': out += '\t'; break;
                case 'r': out += '\r'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'u': {
                    if (end_ - p_ < 4) err("bad \\u escape");
                    unsigned cp = std::strtoul(std::string(p_, p_ + 4).c_str(), nullptr, 16);
                    p_ += 4;
                    // Names we care about are ASCII; encode the BMP code point as UTF-8.
                    if (cp < 0x80) out += char(cp);
                    else if (cp < 0x800) { out += char(0xC0 | (cp >> 6)); out += char(0x80 | (cp & 63)); }
                    else { out += char(0xE0 | (cp >> 12)); out += char(0x80 | ((cp >> 6) & 63)); out += char(0x80 | (cp & 63)); }
                    break;
                }
                default: out += e;
            }
        }
        if (p_ >= end_) err("unterminated string");
        ++p_;
        return out;
    }
};

Json parse_json(const std::string &text, const std::string &what) {
    return JsonParser(text.data(), text.data() + text.size(), what).parse();
}

std::string read_file(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) fail(OLMO_ERR_IO, "cannot open " + path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}
}  // namespace

// ---------------------------------------------------------------- dtypes
float f16_to_f32(uint16_t h) {
    uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, u;
    if (exp == 0) {
        if (man == 0) u = sign;
        else {  // subnormal
            int e = -1;
            do { ++e; man <<= 1; } while (!(man & 0x400));
            u = sign | uint32_t(127 - 15 - e) << 23 | (man & 0x3ff) << 13;
        }
    } else if (exp == 31) u = sign | 0x7f800000u | man << 13;
    else u = sign | (exp + 112) << 23 | man << 13;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

void convert_to_bf16(olmo_dtype dt, const void *src, size_t n, uint16_t *dst) {
    switch (dt) {
        case OLMO_DTYPE_BF16: std::memcpy(dst, src, n * 2); break;
        case OLMO_DTYPE_F32: {
            const float *s = static_cast<const float *>(src);
            for (size_t i = 0; i < n; ++i) dst[i] = f32_to_bf16(s[i]);
            break;
        }
        case OLMO_DTYPE_F16: {
            const uint16_t *s = static_cast<const uint16_t *>(src);
            for (size_t i = 0; i < n; ++i) dst[i] = f32_to_bf16(f16_to_f32(s[i]));
            break;
        }
        default: fail(OLMO_ERR_UNSUPPORTED, "unsupported dtype");
    }
}

static size_t dtype_size(olmo_dtype d) { return d == OLMO_DTYPE_F32 ? 4 : 2; }

// ---------------------------------------------------------------- config
void Config::validate() const {
    auto pos = [](int v, const char *n) {
        if (v <= 0) fail(OLMO_ERR_FORMAT, std::string("config: ") + n + " must be positive");
    };
    pos(vocab, "vocab_size"); pos(hidden, "hidden_size"); pos(inter, "intermediate_size");
    pos(layers, "num_hidden_layers"); pos(heads, "num_attention_heads");
    pos(kv_heads, "num_key_value_heads"); pos(head_dim, "head_dim");
    if (heads % kv_heads) fail(OLMO_ERR_FORMAT, "config: num_attention_heads not a multiple of num_key_value_heads");
    if (head_dim % 2) fail(OLMO_ERR_FORMAT, "config: head_dim must be even for RoPE");
    if (!(rope_theta > 0) || !(eps > 0)) fail(OLMO_ERR_FORMAT, "config: rope_theta and rms_norm_eps must be positive");
}

olmo_config Config::to_c() const {
    olmo_config c{};
    c.vocab_size = vocab; c.hidden_size = hidden; c.intermediate_size = inter; c.num_layers = layers;
    c.num_heads = heads; c.num_kv_heads = kv_heads; c.head_dim = head_dim; c.max_position_embeddings = max_pos;
    c.rope_theta = rope_theta; c.rms_norm_eps = eps; c.tie_word_embeddings = tie;
    return c;
}

Config Config::from_c(const olmo_config &c) {
    Config k;
    k.vocab = c.vocab_size; k.hidden = c.hidden_size; k.inter = c.intermediate_size; k.layers = c.num_layers;
    k.heads = c.num_heads; k.kv_heads = c.num_kv_heads ? c.num_kv_heads : c.num_heads;
    k.head_dim = c.head_dim ? c.head_dim : (c.num_heads ? c.hidden_size / c.num_heads : 0);
    k.max_pos = c.max_position_embeddings ? c.max_position_embeddings : 4096;
    k.rope_theta = c.rope_theta; k.eps = c.rms_norm_eps; k.tie = c.tie_word_embeddings != 0;
    k.validate();
    return k;
}

Config parse_config_json(const std::string &text) {
    Json j = parse_json(text, "config.json");
    if (j.kind != Json::Obj) fail(OLMO_ERR_FORMAT, "config.json: not an object");
    auto num = [&](const char *k, double dflt, bool required) -> double {
        const Json *v = j.find(k);
        if (!v || v->kind == Json::Null) {
            if (required) fail(OLMO_ERR_FORMAT, std::string("config.json: missing ") + k);
            return dflt;
        }
        if (v->kind != Json::Num) fail(OLMO_ERR_FORMAT, std::string("config.json: ") + k + " is not a number");
        return v->num;
    };
    if (const Json *mt = j.find("model_type"); mt && mt->kind == Json::Str && mt->str != "olmo2")
        fail(OLMO_ERR_UNSUPPORTED, "config.json: model_type '" + mt->str + "' is not olmo2");
    Config c;
    c.vocab = int(num("vocab_size", 0, true));
    c.hidden = int(num("hidden_size", 0, true));
    c.inter = int(num("intermediate_size", 0, true));
    c.layers = int(num("num_hidden_layers", 0, true));
    c.heads = int(num("num_attention_heads", 0, true));
    c.kv_heads = int(num("num_key_value_heads", c.heads, false));
    c.head_dim = int(num("head_dim", c.heads ? c.hidden / c.heads : 0, false));
    c.max_pos = int(num("max_position_embeddings", 4096, false));
    c.eps = float(num("rms_norm_eps", 1e-5, false));
    double theta = num("rope_theta", 0, false);
    const Json *rp = j.find("rope_parameters");
    if (rp && rp->kind == Json::Obj) {
        if (const Json *t = rp->find("rope_theta"); t && t->kind == Json::Num) theta = t->num;
        if (const Json *rt = rp->find("rope_type"); rt && rt->kind == Json::Str && rt->str != "default")
            fail(OLMO_ERR_UNSUPPORTED, "config.json: rope_type '" + rt->str + "' is not supported");
    }
    if (const Json *rs = j.find("rope_scaling"); rs && rs->kind == Json::Obj) {
        const Json *rt = rs->find("rope_type");
        if (!rt) rt = rs->find("type");
        if (!rt || rt->kind != Json::Str || rt->str != "default")
            fail(OLMO_ERR_UNSUPPORTED, "config.json: rope_scaling is not supported");
    }
    c.rope_theta = float(theta > 0 ? theta : 10000.0);
    if (const Json *t = j.find("tie_word_embeddings"); t && t->kind == Json::Bool) c.tie = t->b;
    if (const Json *ab = j.find("attention_bias"); ab && ab->kind == Json::Bool && ab->b)
        fail(OLMO_ERR_UNSUPPORTED, "config.json: attention_bias=true is not supported");
    if (const Json *act = j.find("hidden_act"); act && act->kind == Json::Str && act->str != "silu")
        fail(OLMO_ERR_UNSUPPORTED, "config.json: hidden_act '" + act->str + "' is not supported");
    c.validate();
    return c;
}

// ---------------------------------------------------------------- tensor sources
void TensorSource::load_bf16(const std::string &name, std::vector<int64_t> shape, uint16_t *dst) const {
    TensorView t = get(name);
    if (t.shape != shape) {
        std::string got, want;
        for (auto d : t.shape) got += std::to_string(d) + ",";
        for (auto d : shape) want += std::to_string(d) + ",";
        fail(OLMO_ERR_FORMAT, "tensor " + name + " has shape [" + got + "] but the config implies [" + want + "]");
    }
    convert_to_bf16(t.dtype, t.data, t.numel(), dst);
}

namespace {
struct Mapping {
    void *addr = nullptr;
    size_t size = 0;
    ~Mapping() {
        if (addr) munmap(addr, size);
    }
};

class SafetensorsSource : public TensorSource {
  public:
    void add_file(const std::string &path) {
        auto m = std::make_unique<Mapping>();
        int fd = ::open(path.c_str(), O_RDONLY);
        if (fd < 0) fail(OLMO_ERR_IO, "cannot open " + path);
        struct stat st;
        if (fstat(fd, &st) != 0) { ::close(fd); fail(OLMO_ERR_IO, "cannot stat " + path); }
        m->size = size_t(st.st_size);
        if (m->size < 8) { ::close(fd); fail(OLMO_ERR_FORMAT, path + ": too short for safetensors"); }
        m->addr = mmap(nullptr, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
        ::close(fd);
        if (m->addr == MAP_FAILED) { m->addr = nullptr; fail(OLMO_ERR_IO, "cannot mmap " + path); }
        const uint8_t *base = static_cast<const uint8_t *>(m->addr);
        uint64_t hlen = 0;
        for (int i = 7; i >= 0; --i) hlen = (hlen << 8) | base[i];
        if (hlen > 100000000ull || 8 + hlen > m->size) fail(OLMO_ERR_FORMAT, path + ": bad safetensors header length");
        Json h = parse_json(std::string(reinterpret_cast<const char *>(base + 8), size_t(hlen)), path);
        if (h.kind != Json::Obj) fail(OLMO_ERR_FORMAT, path + ": header is not an object");
        const uint8_t *data = base + 8 + hlen;
        size_t data_len = m->size - 8 - hlen;
        for (auto &kv : h.obj) {
            if (kv.first == "__metadata__") continue;
            const Json &t = kv.second;
            const Json *dt = t.find("dtype"), *sh = t.find("shape"), *off = t.find("data_offsets");
            if (!dt || !sh || !off || dt->kind != Json::Str || sh->kind != Json::Arr || off->kind != Json::Arr ||
                off->arr.size() != 2)
                fail(OLMO_ERR_FORMAT, path + ": bad entry for " + kv.first);
            TensorView v;
            if (dt->str == "F32") v.dtype = OLMO_DTYPE_F32;
            else if (dt->str == "F16") v.dtype = OLMO_DTYPE_F16;
            else if (dt->str == "BF16") v.dtype = OLMO_DTYPE_BF16;
            else { skipped_[kv.first] = dt->str; continue; }
            for (auto &d : sh->arr) v.shape.push_back(int64_t(d.num));
            size_t b = size_t(off->arr[0].num), e = size_t(off->arr[1].num);
            if (e < b || e > data_len || e - b != v.numel() * dtype_size(v.dtype))
                fail(OLMO_ERR_FORMAT, path + ": data_offsets of " + kv.first + " do not match its shape/dtype");
            v.data = data + b;
            tensors_[kv.first] = v;
        }
        maps_.push_back(std::move(m));
    }
    bool has(const std::string &n) const override { return tensors_.count(n) != 0; }
    TensorView get(const std::string &n) const override {
        auto it = tensors_.find(n);
        if (it != tensors_.end()) return it->second;
        auto sk = skipped_.find(n);
        if (sk != skipped_.end()) fail(OLMO_ERR_UNSUPPORTED, "tensor " + n + " has unsupported dtype " + sk->second);
        fail(OLMO_ERR_FORMAT, "tensor " + n + " not found in the snapshot");
    }

  private:
    std::vector<std::unique_ptr<Mapping>> maps_;
    std::map<std::string, TensorView> tensors_;
    std::map<std::string, std::string> skipped_;
};

class BufferSource : public TensorSource {
  public:
    BufferSource(const olmo_weight *w, int n) {
        for (int i = 0; i < n; ++i) {
            if (!w[i].name || !w[i].data) fail(OLMO_ERR_INVALID_ARGUMENT, "weight " + std::to_string(i) + " has no name or data");
            if (w[i].ndim < 1 || w[i].ndim > 2) fail(OLMO_ERR_INVALID_ARGUMENT, std::string("weight ") + w[i].name + ": ndim must be 1 or 2");
            if (w[i].dtype < 0 || w[i].dtype > 2) fail(OLMO_ERR_UNSUPPORTED, std::string("weight ") + w[i].name + ": unknown dtype");
            TensorView v;
            v.dtype = olmo_dtype(w[i].dtype);
            v.shape.assign(w[i].shape, w[i].shape + w[i].ndim);
            v.data = w[i].data;
            t_[w[i].name] = v;
        }
    }
    bool has(const std::string &n) const override { return t_.count(n) != 0; }
    TensorView get(const std::string &n) const override {
        auto it = t_.find(n);
        if (it == t_.end()) fail(OLMO_ERR_FORMAT, "weight " + n + " was not provided");
        return it->second;
    }

  private:
    std::map<std::string, TensorView> t_;
};
}  // namespace

std::unique_ptr<TensorSource> open_snapshot(const std::string &dir, std::string *config_text) {
    *config_text = read_file(dir + "/config.json");
    auto src = std::make_unique<SafetensorsSource>();
    std::string single = dir + "/model.safetensors", index = dir + "/model.safetensors.index.json";
    if (access(index.c_str(), R_OK) == 0) {
        Json j = parse_json(read_file(index), index);
        const Json *wm = j.find("weight_map");
        if (!wm || wm->kind != Json::Obj) fail(OLMO_ERR_FORMAT, index + ": no weight_map");
        std::set<std::string> files;
        for (auto &kv : wm->obj) {
            if (kv.second.kind != Json::Str || kv.second.str.find('/') != std::string::npos)
                fail(OLMO_ERR_FORMAT, index + ": bad shard name for " + kv.first);
            files.insert(kv.second.str);
        }
        for (auto &f : files) src->add_file(dir + "/" + f);
    } else if (access(single.c_str(), R_OK) == 0) {
        src->add_file(single);
    } else {
        fail(OLMO_ERR_IO, "no model.safetensors or model.safetensors.index.json in " + dir);
    }
    return src;
}

std::unique_ptr<TensorSource> wrap_buffers(const olmo_weight *w, int n) {
    return std::make_unique<BufferSource>(w, n);
}

void load_layer(const TensorSource &src, const Config &c, int l, LayerWeights &lw) {
    const int64_t H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), I = c.inter;
    std::string p = "model.layers." + std::to_string(l) + ".";
    lw.qkv.resize(size_t(Q + 2 * KV) * H);
    src.load_bf16(p + "self_attn.q_proj.weight", {Q, H}, lw.qkv.data());
    src.load_bf16(p + "self_attn.k_proj.weight", {KV, H}, lw.qkv.data() + size_t(Q) * H);
    src.load_bf16(p + "self_attn.v_proj.weight", {KV, H}, lw.qkv.data() + size_t(Q + KV) * H);
    lw.o.resize(size_t(H) * Q);
    src.load_bf16(p + "self_attn.o_proj.weight", {H, Q}, lw.o.data());
    std::vector<uint16_t> g(size_t(I) * H), u(size_t(I) * H);
    src.load_bf16(p + "mlp.gate_proj.weight", {I, H}, g.data());
    src.load_bf16(p + "mlp.up_proj.weight", {I, H}, u.data());
    lw.gu.resize(size_t(2 * I) * H);
    for (int64_t i = 0; i < I; ++i) {
        std::memcpy(&lw.gu[size_t(2 * i) * H], &g[size_t(i) * H], size_t(H) * 2);
        std::memcpy(&lw.gu[size_t(2 * i + 1) * H], &u[size_t(i) * H], size_t(H) * 2);
    }
    lw.down.resize(size_t(H) * I);
    src.load_bf16(p + "mlp.down_proj.weight", {H, I}, lw.down.data());
    lw.q_norm.resize(Q);
    src.load_bf16(p + "self_attn.q_norm.weight", {Q}, lw.q_norm.data());
    lw.k_norm.resize(KV);
    src.load_bf16(p + "self_attn.k_norm.weight", {KV}, lw.k_norm.data());
    lw.post_attn.resize(H);
    src.load_bf16(p + "post_attention_layernorm.weight", {H}, lw.post_attn.data());
    lw.post_ff.resize(H);
    src.load_bf16(p + "post_feedforward_layernorm.weight", {H}, lw.post_ff.data());
}

}  // namespace olmo
