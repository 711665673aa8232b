/* switch.c - The context switch between coroutine stacks: the engine's hottest path.
 *
 * A switch saves the callee-saved registers on the current stack, stores the stack pointer in
 * `from`, loads `to`'s stack pointer and pops its registers; `ret` then continues wherever
 * `to` last switched away. The caller-saved registers need no saving: to the C code a switch
 * is an ordinary function call. This is the same technique as SimGrid's `raw` context factory
 * and boost.context's fcontext, and costs a few nanoseconds (no system call, unlike
 * swapcontext, which saves and restores the signal mask).
 *
 * A new context is a stack prepared to look as if it had switched away just before running a
 * small trampoline, which calls entry(arg). The trampoline never returns: a task's entry ends
 * by switching away for good.
 *
 * Not saved: the x87 control word and MXCSR (nothing in wakesim changes the floating-point
 * environment), and the AArch64 FPCR. Supported: x86-64 (System V) and AArch64 (AAPCS64).
 */
#include "sim_int.h"

#include <string.h>

#if defined(__x86_64__)

/* rdi = from, rsi = to */
__asm__(".text\n"
        ".globl sim__ctx_switch\n"
        ".type sim__ctx_switch,@function\n"
        ".p2align 4\n"
        "sim__ctx_switch:\n"
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    movq %rsp, (%rdi)\n"
        "    movq (%rsi), %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n"
        ".size sim__ctx_switch, .-sim__ctx_switch\n"
        /* First run of a context: r12 = entry, r13 = arg; rsp is 16-byte aligned here. */
        ".globl sim__ctx_trampoline\n"
        ".type sim__ctx_trampoline,@function\n"
        ".p2align 4\n"
        "sim__ctx_trampoline:\n"
        "    movq %r13, %rdi\n"
        "    callq *%r12\n"
        "    ud2\n"
        ".size sim__ctx_trampoline, .-sim__ctx_trampoline\n");

void sim__ctx_trampoline(void);

void sim__ctx_make(sim_ctx_t *ctx, void *stack_lo, size_t size, void (*entry)(void *),
                   void *arg)
{
    uintptr_t top = ((uintptr_t)stack_lo + size) & ~(uintptr_t)15;
    /* Six saved registers and the return address; rsp after `ret` must be 16-aligned. */
    uint64_t *sp = (uint64_t *)(top - 72);
    SIM_ASSERT(((uintptr_t)sp & 15) == 8);
    memset(sp, 0, 72);
    sp[0] = 0;                            /* r15 */
    sp[1] = 0;                            /* r14 */
    sp[2] = (uint64_t)(uintptr_t)arg;     /* r13 */
    sp[3] = (uint64_t)(uintptr_t)entry;   /* r12 */
    sp[4] = 0;                            /* rbx */
    sp[5] = 0;                            /* rbp: ends frame-pointer walks */
    sp[6] = (uint64_t)(uintptr_t)sim__ctx_trampoline;
    ctx->sp = sp;
}

#elif defined(__aarch64__)

/* x0 = from, x1 = to. Frame: x19..x30 then d8..d15, 176 bytes. */
__asm__(".text\n"
        ".globl sim__ctx_switch\n"
        ".type sim__ctx_switch,%function\n"
        ".p2align 4\n"
        "sim__ctx_switch:\n"
        "    sub sp, sp, #176\n"
        "    stp x19, x20, [sp, #0]\n"
        "    stp x21, x22, [sp, #16]\n"
        "    stp x23, x24, [sp, #32]\n"
        "    stp x25, x26, [sp, #48]\n"
        "    stp x27, x28, [sp, #64]\n"
        "    stp x29, x30, [sp, #80]\n"
        "    stp d8, d9, [sp, #96]\n"
        "    stp d10, d11, [sp, #112]\n"
        "    stp d12, d13, [sp, #128]\n"
        "    stp d14, d15, [sp, #144]\n"
        "    mov x2, sp\n"
        "    str x2, [x0]\n"
        "    ldr x2, [x1]\n"
        "    mov sp, x2\n"
        "    ldp x19, x20, [sp, #0]\n"
        "    ldp x21, x22, [sp, #16]\n"
        "    ldp x23, x24, [sp, #32]\n"
        "    ldp x25, x26, [sp, #48]\n"
        "    ldp x27, x28, [sp, #64]\n"
        "    ldp x29, x30, [sp, #80]\n"
        "    ldp d8, d9, [sp, #96]\n"
        "    ldp d10, d11, [sp, #112]\n"
        "    ldp d12, d13, [sp, #128]\n"
        "    ldp d14, d15, [sp, #144]\n"
        "    add sp, sp, #176\n"
        "    ret\n"
        ".size sim__ctx_switch, .-sim__ctx_switch\n"
        ".globl sim__ctx_trampoline\n"
        ".type sim__ctx_trampoline,%function\n"
        ".p2align 4\n"
        "sim__ctx_trampoline:\n"
        "    mov x0, x20\n"
        "    blr x19\n"
        "    brk #0\n"
        ".size sim__ctx_trampoline, .-sim__ctx_trampoline\n");

void sim__ctx_trampoline(void);

void sim__ctx_make(sim_ctx_t *ctx, void *stack_lo, size_t size, void (*entry)(void *),
                   void *arg)
{
    uintptr_t top = ((uintptr_t)stack_lo + size) & ~(uintptr_t)15;
    uint64_t *sp = (uint64_t *)(top - 176);
    memset(sp, 0, 176);
    sp[0] = (uint64_t)(uintptr_t)entry;              /* x19 */
    sp[1] = (uint64_t)(uintptr_t)arg;                /* x20 */
    sp[11] = (uint64_t)(uintptr_t)sim__ctx_trampoline; /* x30 (lr) */
    ctx->sp = sp;
}

#else
#error "wakesim's context switch supports x86-64 and AArch64; add an assembly block for this CPU"
#endif
