#pragma once
// A move-only callable with inline storage, for the event loop (no heap allocation per event).
//
// Callables up to `Capacity` bytes (and nothrow-movable) live inside the object; larger ones
// fall back to one heap allocation, so any callable works and small captures (a `this` and a
// few ids) never allocate. Unlike std::function it accepts move-only callables.
//
// Callables that are trivially copyable and destructible (lambdas capturing pointers and ids,
// the event loop's common case) are moved by copying their bytes and destroyed by forgetting
// them: no indirect call but the invocation itself.
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace ef21::sim {

template <typename Signature, std::size_t Capacity = 48>
class InlineFunction;

template <typename R, typename... Args, std::size_t Capacity>
class InlineFunction<R(Args...), Capacity> {
 public:
  InlineFunction() noexcept = default;
  InlineFunction(std::nullptr_t) noexcept {}

  template <typename F, typename D = std::decay_t<F>,
            typename = std::enable_if_t<!std::is_same_v<D, InlineFunction> && std::is_invocable_r_v<R, D&, Args...>>>
  InlineFunction(F&& f) {  // NOLINT: implicit like std::function
    if constexpr (fits_inline<D>()) {
      ::new (static_cast<void*>(storage_)) D(std::forward<F>(f));
      ops_ = &inline_ops<D>;
    } else {
      ::new (static_cast<void*>(storage_)) D*(new D(std::forward<F>(f)));
      ops_ = &heap_ops<D>;
    }
  }

  InlineFunction(InlineFunction&& other) noexcept { take(other); }
  InlineFunction& operator=(InlineFunction&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  InlineFunction(const InlineFunction&) = delete;
  InlineFunction& operator=(const InlineFunction&) = delete;
  ~InlineFunction() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  R operator()(Args... args) { return ops_->invoke(storage_, std::forward<Args>(args)...); }

  void reset() noexcept {
    if (ops_) {
      if (ops_->destroy) ops_->destroy(storage_);
      ops_ = nullptr;
    }
  }

 private:
  struct Ops {
    R (*invoke)(void*, Args&&...);
    // Move-construct into `to` and destroy `from`; null: copying the bytes does both.
    void (*move)(void* from, void* to) noexcept;
    void (*destroy)(void*) noexcept;  // null: nothing to destroy
  };

  template <typename D>
  static constexpr bool fits_inline() {
    return sizeof(D) <= Capacity && alignof(D) <= alignof(std::max_align_t) &&
           std::is_nothrow_move_constructible_v<D>;
  }

  template <typename D>
  static constexpr bool trivially_relocatable() {
    return std::is_trivially_copyable_v<D> && std::is_trivially_destructible_v<D>;
  }

  template <typename D>
  static constexpr Ops inline_ops{
      [](void* p, Args&&... args) -> R { return (*static_cast<D*>(p))(std::forward<Args>(args)...); },
      trivially_relocatable<D>() ? nullptr
                                 : +[](void* from, void* to) noexcept {
                                     ::new (to) D(std::move(*static_cast<D*>(from)));
                                     static_cast<D*>(from)->~D();
                                   },
      trivially_relocatable<D>() ? nullptr : +[](void* p) noexcept { static_cast<D*>(p)->~D(); }};

  template <typename D>
  static constexpr Ops heap_ops{
      [](void* p, Args&&... args) -> R { return (**static_cast<D**>(p))(std::forward<Args>(args)...); },
      [](void* from, void* to) noexcept { ::new (to) D*(*static_cast<D**>(from)); },
      [](void* p) noexcept { delete *static_cast<D**>(p); }};

  void take(InlineFunction& other) noexcept {
    if (other.ops_) {
      if (other.ops_->move) {
        other.ops_->move(other.storage_, storage_);
      } else {
        std::memcpy(storage_, other.storage_, Capacity);
      }
      ops_ = other.ops_;
      other.ops_ = nullptr;
    }
  }

  alignas(std::max_align_t) unsigned char storage_[Capacity];
  const Ops* ops_ = nullptr;
};

}  // namespace ef21::sim
