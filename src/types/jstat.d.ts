/** The part of jStat ResLab uses (the package ships no types). */
declare module "jstat" {
  export const jStat: {
    studentt: { inv(p: number, dof: number): number };
  };
}
