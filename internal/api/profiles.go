package api

import (
	"net/http"

	"github.com/signet-project/signet/internal/ca"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/policy"
)

type certProfileList struct {
	Profiles []*ca.CertProfile `json:"profiles"`
}

type keypairProfileList struct {
	Profiles []*ca.KeypairProfile `json:"profiles"`
}

type profileSettingsBody struct {
	RequireKeypairProfile bool `json:"require_keypair_profile"`
}

// samePathName refuses a body that names another profile than the path.
func samePathName(r *http.Request, name *string) error {
	path := r.PathValue("name")
	if *name == "" {
		*name = path
	}
	if *name != path {
		return errs.BadRequest("name_mismatch", "the body names profile %q, the path %q", *name, path)
	}
	return nil
}

func (a *API) listCertProfiles(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	ps, err := a.CA.CertProfiles(r.Context(), p)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, certProfileList{Profiles: ps})
	return nil
}

func (a *API) createCertProfile(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	return a.putCertProfile(w, r, p, true)
}

func (a *API) replaceCertProfile(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	return a.putCertProfile(w, r, p, false)
}

func (a *API) putCertProfile(w http.ResponseWriter, r *http.Request, p policy.Principal, create bool) error {
	var body ca.CertProfile
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	if !create {
		if err := samePathName(r, &body.Name); err != nil {
			return err
		}
	}
	prof, err := a.CA.PutCertProfile(r.Context(), p, &body, create)
	if err != nil {
		return err
	}
	renderJSON(w, map[bool]int{true: http.StatusCreated, false: http.StatusOK}[create], prof)
	return nil
}

func (a *API) describeCertProfile(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	prof, err := a.CA.CertProfile(r.Context(), p, r.PathValue("name"))
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, prof)
	return nil
}

func (a *API) deleteCertProfile(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	if err := a.CA.DeleteCertProfile(r.Context(), p, r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listKeypairProfiles(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	ps, err := a.CA.KeypairProfiles(r.Context(), p)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, keypairProfileList{Profiles: ps})
	return nil
}

func (a *API) createKeypairProfile(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	return a.putKeypairProfile(w, r, p, true)
}

func (a *API) replaceKeypairProfile(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	return a.putKeypairProfile(w, r, p, false)
}

func (a *API) putKeypairProfile(w http.ResponseWriter, r *http.Request, p policy.Principal, create bool) error {
	var body ca.KeypairProfile
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	if !create {
		if err := samePathName(r, &body.Name); err != nil {
			return err
		}
	}
	prof, err := a.CA.PutKeypairProfile(r.Context(), p, &body, create)
	if err != nil {
		return err
	}
	renderJSON(w, map[bool]int{true: http.StatusCreated, false: http.StatusOK}[create], prof)
	return nil
}

func (a *API) describeKeypairProfile(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	prof, err := a.CA.KeypairProfile(r.Context(), p, r.PathValue("name"))
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, prof)
	return nil
}

func (a *API) deleteKeypairProfile(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	if err := a.CA.DeleteKeypairProfile(r.Context(), p, r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) getProfileSettings(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	st, err := a.CA.Settings(r.Context(), p)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, st)
	return nil
}

func (a *API) putProfileSettings(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body profileSettingsBody
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	st, err := a.CA.SetSettings(r.Context(), p, ca.Settings{RequireKeypairProfile: body.RequireKeypairProfile})
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, st)
	return nil
}
