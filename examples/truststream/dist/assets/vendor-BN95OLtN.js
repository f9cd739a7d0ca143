import"./router-CUOzNXZ5.js";
//# sourceMappingURL=vendor-BN95OLtN.js.map
