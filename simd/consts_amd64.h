// Offsets into ·asmConsts (consts_amd64.go).
#define C_EXPLO 0
#define C_EXPHI 4
#define C_LOG2E 8
#define C_LN2HI 12
#define C_LN2LO 16
#define C_ROUND 20
#define C_P0 24
#define C_P1 28
#define C_P2 32
#define C_P3 36
#define C_P4 40
#define C_P5 44
#define C_ONE 48
#define C_ABS 52
#define C_FLUSH 56
#define C_SIGN 60
#define C_PHILO 64
#define C_PHIHI 68
#define C_PHI1 72
#define C_PHI2 76
#define C_PHI3 80
#define C_PHI4 84
#define C_PHI5 88

// Comparison predicates of VCMPPS.
#define CMP_NLT_UQ 0x15 // !(a < b): true when unordered
#define CMP_GT_OQ 0x1e  // a > b: false when unordered
#define CMP_EQ_OQ 0x00  // a == b: false when unordered
#define CMP_GE_OQ 0x1d  // a >= b: false when unordered
#define CMP_LE_OQ 0x12  // a <= b: false when unordered
#define CMP_NGE_UQ 0x19 // !(a >= b): true when unordered
#define CMP_NLE_UQ 0x16 // !(a <= b): true when unordered

// Predicates of VPCMPD / VPCMPUD.
#define ICMP_EQ 0
#define ICMP_LT 1
#define ICMP_LE 2
#define ICMP_NLT 5 // >=
#define ICMP_NLE 6 // >
