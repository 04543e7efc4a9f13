/** The authenticated caller, as every handler sees it: the JWT subject and its roles. */
export interface AuthUser {
  id: string;
  roles: string[];
}
